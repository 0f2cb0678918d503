// Where a function or object of the program lies, from one run of it to the next.
#include <link.h>

#include <string>

#include "mp/process.hpp"

namespace mp::detail {
namespace {

struct Search {
  std::uintptr_t address = 0;
  const Location* wanted = nullptr;  // resolve: the object looked for
  Location found;
  std::uintptr_t base = 0;
  bool hit = false;
};

bool holds(const dl_phdr_info& info, std::uintptr_t address) {
  for (int i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info.dlpi_phdr[i];
    const std::uintptr_t start = info.dlpi_addr + segment.p_vaddr;
    if (segment.p_type == PT_LOAD && address >= start && address - start < segment.p_memsz) {
      return true;
    }
  }
  return false;
}

// dl_iterate_phdr's callback: stops (returns 1) at the object sought.
int visit(dl_phdr_info* info, std::size_t /*size*/, void* data) {
  auto& search = *static_cast<Search*>(data);
  const char* name = info->dlpi_name != nullptr ? info->dlpi_name : "";
  if (search.wanted != nullptr) {
    if (search.wanted->module != name) return 0;
  } else if (!holds(*info, search.address)) {
    return 0;
  }
  search.found.module = name;
  search.base = info->dlpi_addr;
  search.hit = true;
  return 1;
}

}  // namespace

Location locate(const void* address) {
  Search search;
  search.address = reinterpret_cast<std::uintptr_t>(address);
  dl_iterate_phdr(visit, &search);
  if (!search.hit) refuse("the target is in no loaded object: a new process cannot find it");
  search.found.offset = search.address - search.base;
  return search.found;
}

const void* resolve(const Location& where) {
  Search search;
  search.wanted = &where;
  dl_iterate_phdr(visit, &search);
  if (!search.hit) {
    refuse("the new process has no object " +
           (where.module.empty() ? std::string("(the executable)") : where.module) +
           " to find the target in");
  }
  // An address made from a load address and an offset is an integer first.
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  return reinterpret_cast<const void*>(search.base + where.offset);
}

void refuse(const std::string& what) { throw ProcessError(what); }

}  // namespace mp::detail
