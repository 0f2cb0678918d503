// `reach` and `await`: the driver's own channel between the processes of a run, so that a
// case waits for the event it is about instead of sleeping long enough for it.
#ifndef MPSPEC_DRIVER_POINTS_HPP_
#define MPSPEC_DRIVER_POINTS_HPP_

#include <string>

namespace mpspec::points {
// Marks `point` reached for every process of the run (`run` is the scenario's run name):
// each awaiting it goes on, now or later. Throws std::system_error if the channel cannot
// be opened.
void reach(const std::string& run, const std::string& point);

// Blocks until some process of the run has reached `point`, for at most `seconds`; true
// once it has (it stays reached), false if none did in time, or, in the `main` program, as
// soon as it has no live child left that could.
bool await(const std::string& run, const std::string& point, double seconds, bool main);
}  // namespace mpspec::points

#endif  // MPSPEC_DRIVER_POINTS_HPP_
