// libFuzzer target for the frame codec. Feeds each input to decodeClientFrame and
// decodeServerFrame; a rejection must be a typed error with a detail, an accepted frame must
// re-encode to bytes that decode again to the same frame (and re-encode to the same bytes).
// Built with -fsanitize=fuzzer,address,undefined under clang, or linked with replay_main.cpp
// (corpus replay plus deterministic mutations) under GCC. See docs/PROTOCOL.md, "Fuzzing".
#include "protocol/codec.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using tidings::ErrorCode;
using tidings::Result;
using tidings::protocol::Frame;

namespace {

[[noreturn]] void fail(const char *decoder, const char *what) {
    std::fprintf(stderr, "fuzz_frame_decoder: %s: %s\n", decoder, what);
    std::abort();
}

bool isTypedDecodeError(ErrorCode c) {
    switch (c) {
    case ErrorCode::BadFrame:
    case ErrorCode::TooLarge:
    case ErrorCode::UnknownFrame:
    case ErrorCode::InvalidUsername:
    case ErrorCode::WeakPassword:
    case ErrorCode::BadToken:
    case ErrorCode::GroupFull: // a create_group_request naming more than 499 others
        return true;
    default:
        return false;
    }
}

std::string serialized(const Frame &f) {
    std::string out;
    if (!f.SerializeToString(&out))
        std::abort();
    return out;
}

void check(const char *name, Result<Frame> (*decode)(QByteArrayView), QByteArrayView input) {
    const Result<Frame> first = decode(input);
    if (!first) {
        if (!isTypedDecodeError(first.error().code))
            fail(name, "rejected with an untyped error code");
        if (first.error().detail.isEmpty())
            fail(name, "rejected without a detail");
        return;
    }
    const QByteArray again = tidings::protocol::encodeFrame(*first);
    const Result<Frame> second = decode(again);
    if (!second)
        fail(name, "a decoded frame, re-encoded, was rejected");
    if (second->body_case() != first->body_case() || second->request_id() != first->request_id())
        fail(name, "re-decoded frame has another type or request id");
    if (serialized(*second) != serialized(*first))
        fail(name, "re-decoded frame differs");
    if (tidings::protocol::encodeFrame(*second) != again)
        fail(name, "encoding is not stable");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    // Invalid UTF-8 in string fields makes libprotobuf log a line per input: keep output readable.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    check("decodeClientFrame", &tidings::protocol::decodeClientFrame, input);
    check("decodeServerFrame", &tidings::protocol::decodeServerFrame, input);
    return 0;
}
