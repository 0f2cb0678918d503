// mp/detail/spawn_codec.hpp: how a new run of the program finds a Process's target again and
// gets its args back (the spawn and forkserver start methods). Included by mp/process.hpp;
// nothing here is for users to call.
//
// Under fork the child is a copy and needs none of this. Under spawn the child is a new run
// of the executable, so start() writes the target and args down and the new run reads them:
// - a function is written as its place in the program (its module and its offset from where
//   the module was loaded, which holds from run to run for position-independent executables
//   and shared libraries);
// - a callable without state (a lambda without captures) needs nothing written: the new run
//   default-constructs one;
// - a callable with state and every arg go through cereal's binary archive, so numbers,
//   strings, standard containers and user types with cereal's serialize() make the trip.
// Whatever cannot is refused by start() with a ProcessError, before anything starts.
#ifndef MP_DETAIL_SPAWN_CODEC_HPP_
#define MP_DETAIL_SPAWN_CODEC_HPP_

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace mp::detail {

// Where a function or object of the program lies, in a form another run of it understands.
struct Location {
  std::string module;         // the loaded object's name as the dynamic linker lists it
  std::uintptr_t offset = 0;  // from the object's load address
  template <class Archive>
  void serialize(Archive& archive) {
    archive(module, offset);
  }
};

// The Location of `address`. Throws ProcessError if no loaded object holds it.
Location locate(const void* address);
// The address of `where` in this run. Throws ProcessError if its object is not loaded here.
const void* resolve(const Location& where);
// Throws ProcessError(what) (the message names why a target or arg cannot make the trip).
[[noreturn]] void refuse(const std::string& what);

// A target bound to its args: what a Process's child runs, as std::invoke(f, args...).
template <class F, class... Args>
struct Bound {
  F f;
  std::tuple<Args...> args;
  void operator()() {
    std::apply([this](Args&... a) { std::invoke(f, a...); }, args);
  }
};

template <class T>
inline constexpr bool kWritable =
    cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value&&
        cereal::traits::is_input_serializable<T, cereal::BinaryInputArchive>::value&&
            std::is_default_constructible_v<T>;

// How the target of type F travels: as a function's Location, as nothing (a stateless
// callable is made anew), or as its serialized state.
template <class F>
inline constexpr bool kFunctionPointer =
    std::is_pointer_v<F>&& std::is_function_v<std::remove_pointer_t<F>>;
template <class F>
inline constexpr bool kStateless =
    std::is_class_v<F>&& std::is_empty_v<F>&& std::is_default_constructible_v<F>;
template <class F>
inline constexpr bool kTargetTravels = kFunctionPointer<F> || kStateless<F> || kWritable<F>;

// The two halves of one Bound type's trip, reached in the new run through the Location of
// this object (see SpawnCodec below).
struct SpawnCodec {
  // In the parent: writes the target and args of `entry` (a Bound made by a Process
  // constructor) to `out`, or refuses them.
  void (*encode)(const std::function<void()>& entry, std::string& out);
  // In the new run: reads what encode wrote and runs the target.
  void (*run)(const std::string& in);
};

template <class B>
struct CodecOf;

template <class F, class... Args>
struct CodecOf<Bound<F, Args...>> {
  using B = Bound<F, Args...>;

  static void encode(const std::function<void()>& entry, std::string& out) {
    if constexpr (!kTargetTravels<F>) {
      refuse(
          "the target cannot be found again in a new process: pass a function, or a lambda "
          "without captures (a callable with state needs a cereal serialize())");
    } else if constexpr (!(kWritable<Args> && ...)) {
      refuse(
          "an argument cannot be sent to a new process: its type has no cereal serialize() "
          "(numbers, strings, standard containers and types with serialize() can)");
    } else {
      const B& bound = *entry.target<B>();
      std::ostringstream buffer;
      {
        cereal::BinaryOutputArchive archive(buffer);
        if constexpr (kFunctionPointer<F>) {
          archive(locate(reinterpret_cast<const void*>(bound.f)));
        } else if constexpr (!kStateless<F>) {
          archive(bound.f);
        }
        archive(bound.args);
      }
      out = std::move(buffer).str();
    }
  }

  static void run(const std::string& in) {
    if constexpr (kTargetTravels<F> && (kWritable<Args> && ...)) {
      std::istringstream buffer(in);
      cereal::BinaryInputArchive archive(buffer);
      B bound{};
      if constexpr (kFunctionPointer<F>) {
        Location where;
        archive(where);
        bound.f = reinterpret_cast<F>(const_cast<void*>(resolve(where)));
      } else if constexpr (!kStateless<F>) {
        archive(bound.f);
      }
      archive(bound.args);
      bound();
    }
  }

  static constexpr SpawnCodec kCodec{&encode, &run};
};

}  // namespace mp::detail

#endif  // MP_DETAIL_SPAWN_CODEC_HPP_
