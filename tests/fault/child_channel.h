// tests/fault/child_channel.h
//
// How a workload child tells its driver what it did (tests/fault/*_test.cc):
// fixed-size messages over a pipe, one per step, so that the driver knows
// the highest sequence number submitted and acknowledged when it crashes the
// child. A message is 9 bytes (a type byte and a 64-bit value), which a pipe
// delivers whole. Header-only, like fault_util.h.

#ifndef STATELOG_TESTS_FAULT_CHILD_CHANNEL_H_
#define STATELOG_TESTS_FAULT_CHILD_CHANNEL_H_

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

namespace statelog::fault {

enum class Message : char {
  kReady = 'R',      // recovery done; value = the recovered sequence number
  kSubmitted = 'S',  // about to Apply transaction `value`
  kAcked = 'A',      // transaction `value` is acknowledged under the test's
                     // meaning (returned by Apply, or made durable)
  kStopped = 'X',    // the child hit an error and stopped; value = its code
  kNote = 'N',       // a test-specific value
};

// Sends one message from the child. A full pipe only pauses the child; a
// broken one (the driver is gone) ends it.
inline void Send(int fd, Message type, uint64_t value) {
  char buf[9];
  buf[0] = static_cast<char>(type);
  std::memcpy(buf + 1, &value, 8);
  if (write(fd, buf, sizeof(buf)) != static_cast<ssize_t>(sizeof(buf))) {
    _exit(4);
  }
}

// The driver's end: reads messages as they come.
class ChildChannel {
 public:
  // Takes ownership of `fd`, the read end of the pipe.
  explicit ChildChannel(int fd) : fd_(fd) {}
  ~ChildChannel() { close(fd_); }
  ChildChannel(const ChildChannel&) = delete;
  ChildChannel& operator=(const ChildChannel&) = delete;

  // Waits until a message arrives and hands it to `on_message(type, value)`
  // (returns true), or until the child's end is closed (see closed()) or
  // `deadline` passes (returns false).
  template <typename OnMessage>
  bool Next(std::chrono::steady_clock::time_point deadline,
            const OnMessage& on_message) {
    while (true) {
      if (pending_.size() >= 9) {
        const Message type = static_cast<Message>(pending_[0]);
        uint64_t value;
        std::memcpy(&value, pending_.data() + 1, 8);
        pending_.erase(0, 9);
        on_message(type, value);
        return true;
      }
      if (closed_) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return false;
      struct pollfd p = {fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = read(fd_, buf, sizeof(buf));
      if (n <= 0) {
        closed_ = true;
      } else {
        pending_.append(buf, static_cast<size_t>(n));
      }
    }
  }

  // Reads everything left until the child's end closes (after it died).
  template <typename OnMessage>
  void Drain(const OnMessage& on_message) {
    const auto forever =
        std::chrono::steady_clock::now() + std::chrono::hours(1);
    while (Next(forever, on_message)) {
    }
  }

  bool closed() const { return closed_ && pending_.size() < 9; }

 private:
  int fd_;
  std::string pending_;
  bool closed_ = false;
};

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_CHILD_CHANNEL_H_
