// libFuzzer target for the prepared outbox frames a client reads back from its store
// (app/core/sync/prepared_frames: decodePreparedSend, what SendPreparer resends after a restart).
// The column is sealed at rest, but a damaged or old database must still be refused cleanly. The
// first input byte picks the entry:
//   0  the bytes are the stored column
//   1  the bytes are SendRequests separated by 0xff bytes (each parsed here), encoded here
// Checked: an accepted column holds 1 to 64 requests; encoding what was decoded and decoding
// again gives the same requests (the resend repeats the same bytes), and that encoding is stable;
// any list of 1 to 64 parseable requests survives encode and decode unchanged.
// Seeds: corpus_outbox_frames/, written by tidings_fuzz_make_client_corpus.
#include "core/sync/prepared_frames.h"
#include "fuzz_fixtures.h"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>

using namespace tidings;
using namespace tidings::client;

namespace {

[[noreturn]] void fail(const char *what) {
    fuzz::fail("fuzz_outbox_frames", what);
}

QList<std::string> serialized(const PreparedSend &p) {
    QList<std::string> out;
    for (const auto &r : p.before)
        out.append(r.SerializeAsString());
    out.append(p.message.SerializeAsString());
    return out;
}

void checkRoundTrip(const PreparedSend &p) {
    const QByteArray encoded = encodePreparedSend(p);
    auto again = decodePreparedSend(encoded);
    if (!again)
        fail("an encoded prepared send does not decode");
    if (serialized(*again) != serialized(p))
        fail("decode(encode(x)) differs from x");
    if (encodePreparedSend(*again) != encoded)
        fail("the encoding is not stable");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    // Unparseable protobuf input is expected here; protobuf need not log each one.
    google::protobuf::SetLogHandler(nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
    if (size < 1 || size > 1 << 16)
        return 0;
    const QByteArray data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    if (bytes[0] % 2 == 0) {
        auto p = decodePreparedSend(data);
        if (!p)
            return 0;
        if (p->before.size() + 1 > 64)
            fail("accepted more than 64 requests");
        checkRoundTrip(*p);
        return 0;
    }
    const QList<QByteArray> parts = data.split('\xff');
    PreparedSend p;
    QList<wire::SendRequest> all;
    for (const QByteArray &part : parts) {
        wire::SendRequest r;
        if (!r.ParseFromArray(part.constData(), int(part.size())))
            return 0;
        all.append(std::move(r));
    }
    if (all.isEmpty() || all.size() > 64)
        return 0;
    p.message = all.takeLast();
    p.before = std::move(all);
    checkRoundTrip(p);
    return 0;
}
