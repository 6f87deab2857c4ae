// cli/demo_protocol.h
//
// What the demo's child process tells the parent over a pipe. Each message is
// kDemoMessageBytes: a one-byte tag and a little-endian uint64. Messages are
// far smaller than PIPE_BUF, so each write is atomic and a SIGKILL never
// leaves half a message.

#ifndef STATELOG_CLI_DEMO_PROTOCOL_H_
#define STATELOG_CLI_DEMO_PROTOCOL_H_

#include <cstdint>

namespace statelog::cli {

enum class DemoMessage : uint8_t {
  // The store is open and recovered; value = its last sequence number.
  kReady = 'R',
  // About to call Apply for this step (= the sequence number it will get).
  kAttempt = 'T',
  // Apply returned OK: this sequence number is durable.
  kAck = 'A',
};

inline constexpr int kDemoMessageBytes = 9;

inline void EncodeDemoMessage(DemoMessage tag, uint64_t value,
                              unsigned char out[kDemoMessageBytes]) {
  out[0] = static_cast<unsigned char>(tag);
  for (int i = 0; i < 8; ++i) {
    out[1 + i] = static_cast<unsigned char>(value >> (8 * i));
  }
}

inline uint64_t DecodeDemoValue(const unsigned char in[kDemoMessageBytes]) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(in[1 + i]) << (8 * i);
  }
  return value;
}

}  // namespace statelog::cli

#endif  // STATELOG_CLI_DEMO_PROTOCOL_H_
