// libFuzzer target for the small parsers around the media endpoints: the server's reading of the
// request heads (Upload-Length/Upload-Offset, Authorization: Bearer, Upload-Sha256, Upgrade), the
// front door's routing of a new connection (server/gateway/media_request), and the client's
// reading of the answers (app/core/media/media_answer: status, JSON body, Upload-Offset,
// Upload-Length, Retry-After), and the status line and headers ChunkUploads reads from its own
// connections (app/core/media/http_answer_head). The first input byte picks the parser, the rest
// is its input.
// Checked: each parser accepts exactly what it promises and returns views inside its input; the
// front door routes a connection the same whatever pieces its bytes arrive in; an answer of 400
// or more is always a typed error with words, a count from the server is never negative,
// fractional or beyond what a JSON number holds, a wait is at most an hour; an answer head is
// accepted only whole and well-formed, the same whatever pieces it arrived in.
// Built with -fsanitize=fuzzer,address,undefined under clang, or linked with replay_main.cpp
// (corpus replay plus deterministic mutations) under any compiler; see tests/fuzz/CMakeLists.txt.
#include "core/media/http_answer_head.h"
#include "core/media/media_answer.h"
#include "gateway/media_request.h"

#include <QByteArrayList>
#include <QList>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace tidings;
using namespace tidings::server::mediarequest;

namespace {

[[noreturn]] void fail(const char *what) {
    std::fprintf(stderr, "fuzz_media_request: %s\n", what);
    std::abort();
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool within(QByteArrayView part, QByteArrayView whole) {
    return part.isEmpty() || (part.data() >= whole.data() &&
                              part.data() + part.size() <= whole.data() + whole.size());
}

void counts(QByteArrayView v) {
    bool digits = !v.isEmpty() && v.size() <= 19;
    quint64 expected = 0;
    for (char c : v) {
        digits = digits && isDigit(c);
        if (digits)
            expected = expected * 10 + quint64(c - '0');
    }
    const auto n = parseByteCount(v);
    if (n.has_value() != digits || (n && *n != expected))
        fail("parseByteCount accepts other than 1 to 19 digits, or misreads them");

    bool hex = v.size() == 64;
    for (char c : v)
        hex = hex && isHex(c);
    const auto sha = parseSha256Hex(v);
    if (sha.has_value() != hex)
        fail("parseSha256Hex accepts other than 64 hex digits");
    if (sha) {
        for (qsizetype i = 0; i < 64; ++i) {
            if ((*sha)[i] != QLatin1Char(lower(v[i])))
                fail("parseSha256Hex does not give the digits in lower case");
        }
    }
}

void headers(QByteArrayView v) {
    const QByteArrayView token = bearerToken(v);
    if (!within(token, v))
        fail("bearerToken points outside its input");
    if (!token.isEmpty()) {
        if (v.size() < 7 || QByteArray(v.first(7).data(), 7).toLower() != "bearer ")
            fail("a bearer token without the Bearer scheme");
        const char first = token.front(), last = token.back();
        if (first == ' ' || first == '\t' || last == ' ' || last == '\t' || last == '\r')
            fail("a bearer token with blanks around it");
    }
    if (upgradesToWebSocket(v) && !QByteArray(v.data(), v.size()).toLower().contains("websocket"))
        fail("an upgrade to websocket without the word");
}

void frontDoor(QByteArrayView stream, qsizetype step) {
    constexpr qsizetype kLimit = 512; // small: the limit path is reached with small inputs
    // The front door peeks at no more than the limit.
    stream = stream.first(qMin(stream.size(), kLimit));
    const Route whole = classify(stream, kLimit);
    if (stream.size() >= kLimit && whole == Route::NeedMore)
        fail("the front door waits past its limit");
    if (whole == Route::WebSocket &&
        (!stream.startsWith("GET ") || stream.sliced(4).startsWith("/media/")))
        fail("a media path or another method routed to the WebSocket");
    // The front door decides on the first bytes that allow it: the same connection must go to
    // the same place whatever pieces its bytes arrived in.
    for (qsizetype n = step; n < stream.size(); n += step) {
        const Route early = classify(stream.first(n), kLimit);
        if (early != Route::NeedMore) {
            if (early != whole)
                fail("the route depends on how the bytes were cut into pieces");
            break;
        }
    }
}

void answer(QByteArrayView input) {
    if (input.size() < 2)
        return;
    const int status = 100 + (quint8(input[0]) << 8 | quint8(input[1])) % 500;
    // Three header values, one a line, then the body.
    QList<QByteArray> parts = QByteArray(input.sliced(2).data(), input.size() - 2).split('\n');
    while (parts.size() < 4)
        parts.append(QByteArray());
    const QByteArray body = parts.mid(3).join('\n');
    const client::MediaAnswer a =
        client::parseMediaAnswer(status, body, {parts[0], parts[1], parts[2]});
    if (a.status != status || (status >= 400) != a.error.has_value())
        fail("an answer's error does not follow its status");
    if (a.error) {
        if (a.error->detail.isEmpty())
            fail("an error answer without words");
        if (a.error->retryAfterMs > 3600 * 1000 || (a.error->retryAfterMs > 0 && status != 429))
            fail("a wait longer than an hour, or one without 429");
    }
    constexpr quint64 kMaxJsonInteger = quint64(1) << 53;
    if (a.offset && *a.offset > kMaxJsonInteger && parseByteCount(parts[0]) != a.offset)
        fail("an offset no JSON number or header holds");
    if (a.length && !parseByteCount(parts[1]))
        fail("an Upload-Length that is not a count");
    (void)client::errorCodeFromName(QString::fromUtf8(body));
}

void answerHead(QByteArrayView input, qsizetype step) {
    constexpr qsizetype kMax = 4096;
    const QByteArray bytes = input.toByteArray();
    client::AnswerHead head;
    const qsizetype start = client::parseAnswerHead(bytes, &head, kMax);
    if (start < -1 || start > bytes.size() || (start > 0 && start > kMax))
        fail("an answer head ends outside its input or beyond the bound");
    if (start > 0) {
        if (head.status < 100 || head.status > 599)
            fail("a status that is not one");
        if (head.contentLength < -1)
            fail("a negative Content-Length");
        if (bytes.first(start).count("\r\n\r\n") != 1 || !bytes.first(start).endsWith("\r\n\r\n"))
            fail("the body does not start right after the head's blank line");
        for (const auto &[name, value] : head.headers) {
            if (name.isEmpty() || name.contains(':') || name.contains(' ') || name.contains('\n'))
                fail("a header name that is not a token");
            if (value.contains('\n') || value != value.trimmed())
                fail("a header value spanning lines or untrimmed");
        }
    } else {
        if (head.status != 0 || !head.headers.isEmpty())
            fail("an incomplete or refused head reached the caller");
    }
    // Fed in growing pieces, the parser waits (0) until the head is whole, then says the same.
    for (qsizetype n = step; n < bytes.size(); n += step) {
        client::AnswerHead early;
        const qsizetype r = client::parseAnswerHead(bytes.first(n), &early, kMax);
        if (r != 0) {
            if (r != start || (r > 0 && early.status != head.status))
                fail("the answer head depends on how the bytes were cut into pieces");
            break;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 2)
        return 0;
    const QByteArrayView rest(reinterpret_cast<const char *>(data) + 2, qsizetype(size - 2));
    switch (data[0] % 5) {
    case 0:
        counts(rest);
        break;
    case 1:
        headers(rest);
        break;
    case 2:
        frontDoor(rest, 1 + data[1] % 64);
        break;
    case 4:
        answerHead(rest, 1 + data[1] % 64);
        break;
    default:
        answer(QByteArrayView(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1)));
        break;
    }
    return 0;
}
