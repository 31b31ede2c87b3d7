// libFuzzer target for the HTTP request-head parser (server/http). The first input byte picks
// the piece size the bytes arrive in; the rest is the stream. Checked: scanning piece by piece
// gives exactly the verdict of scanning the whole stream at once (same end, same status), a
// refusal is a typed status with a detail, an accepted head has the shape the connection relies
// on, and the Range parser and router take whatever the head carries without trouble.
// Built with -fsanitize=fuzzer,address,undefined under clang, or linked with replay_main.cpp
// (corpus replay plus deterministic mutations) under any compiler; see tests/fuzz/README.md.
#include "http/http_range.h"
#include "http/http_router.h"
#include "http/request_parser.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace tidings::http;

namespace {

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "fuzz_http_request: %s\n", what);
    std::abort();
}

struct Verdict {
    HeadScanner::State state = HeadScanner::State::NeedMore;
    qsizetype start = 0;
    qsizetype end = 0;
    int status = 0;
};

Verdict scan(QByteArrayView stream, qsizetype step, const HttpLimits &limits) {
    HeadScanner scanner(limits);
    QByteArray buffer;
    Verdict v;
    for (qsizetype pos = 0; pos < stream.size();) {
        const qsizetype n = qMin(step, stream.size() - pos);
        buffer.append(stream.sliced(pos, n));
        pos += n;
        v.state = scanner.scan(buffer);
        if (v.state == HeadScanner::State::Failed) {
            v.status = scanner.error().status;
            if (scanner.error().detail.isEmpty())
                fail("scanner refused without a detail");
            return v;
        }
        if (v.state == HeadScanner::State::Complete) {
            v.start = scanner.headStart();
            v.end = scanner.headEnd();
            if (v.start < 0 || v.start > v.end || v.end > buffer.size())
                fail("head bounds outside the buffer");
            return v;
        }
    }
    return v;
}

bool isExpectedStatus(int s) {
    switch (s) {
    case 400:
    case 411:
    case 414:
    case 417:
    case 431:
    case 501:
    case 505:
        return true;
    default:
        return false;
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size == 0)
        return 0;
    HttpLimits limits;
    limits.maxRequestLine = 512; // small limits reach the limit paths with small inputs
    limits.maxHeaderBytes = 1024;
    limits.maxHeaders = 16;
    const qsizetype step = 1 + data[0] % 64;
    const QByteArrayView stream(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));

    const Verdict whole = scan(stream, qMax<qsizetype>(1, stream.size()), limits);
    const Verdict pieces = scan(stream, step, limits);
    if (whole.state != pieces.state || whole.end != pieces.end || whole.start != pieces.start)
        fail("piecewise scanning differs from whole scanning");
    if (whole.state == HeadScanner::State::Failed) {
        if (!isExpectedStatus(whole.status) || whole.status != pieces.status)
            fail("unexpected or unstable scanner status");
        return 0;
    }
    if (whole.state != HeadScanner::State::Complete)
        return 0;

    const QByteArrayView head = stream.sliced(whole.start, whole.end - whole.start);
    const ParsedHead parsed = parseHead(head, limits);
    if (!parsed.head) {
        if (!isExpectedStatus(parsed.error.status) || parsed.error.detail.isEmpty() ||
            parsed.error.code.isEmpty())
            fail("parseHead refused without a typed status and detail");
        return 0;
    }
    const RequestHead &h = *parsed.head;
    if (h.method.isEmpty() || !h.path.startsWith('/') || h.headers.size() > limits.maxHeaders)
        fail("accepted head breaks an invariant");
    if (!h.hasContentLength && h.contentLength != 0)
        fail("content length without the header");
    for (const auto &[name, value] : h.headers) {
        if (name != name.toLower() || value.contains('\r') || value.contains('\n'))
            fail("header stored unnormalized");
    }

    const ByteRange r = parseRange(h.header("range"), 1000);
    if (r.kind == ByteRange::Kind::Partial && (r.first > r.last || r.last >= 1000))
        fail("range outside the representation");

    Router router;
    if (!router.add("GET", "/media/v1/blobs/{id}", 0, [](HttpExchange *) {}) ||
        !router.add("PUT", "/media/v1/uploads/{id}", 1, [](HttpExchange *) {}))
        fail("router rejected a valid pattern");
    const RouteMatch m = router.match(h.method, h.path);
    if (m.kind == RouteMatch::Kind::Found) {
        for (const QString &v : m.params) {
            if (v.isEmpty() || v.contains(QLatin1Char('/')))
                fail("path parameter empty or with a slash");
        }
    }
    return 0;
}
