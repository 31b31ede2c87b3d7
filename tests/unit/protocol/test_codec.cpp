// Tests of the frame codec (shared/protocol/codec.cpp): round trips of every frame type, the size
// limit before parsing, truncated and random input, unknown frame types, direction checks and
// every field limit. Each check in the codec has at least one case here that fails without it.
#include "sample_frames.h"

#include "protocol/codec.h"
#include "protocol/limits.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <google/protobuf/stubs/logging.h>

#include <limits>
#include <string>
#include <tuple>
#include <vector>

using namespace tidings;
using tidings::protocol::Frame;
using tidings::testing::SampleFrame;
using tidings::testing::validClientFrames;
using tidings::testing::validServerFrames;

Q_DECLARE_METATYPE(tidings::ErrorCode)

namespace {

// --- raw protobuf writing (for frames the generated API cannot express) ----------------------

void putVarint(std::string &out, quint64 v) {
    while (v >= 0x80) {
        out.push_back(char(v | 0x80));
        v >>= 7;
    }
    out.push_back(char(v));
}

//! A length-delimited field (wire type 2).
void putBytesField(std::string &out, quint32 field, const std::string &value) {
    putVarint(out, (quint64(field) << 3) | 2);
    putVarint(out, value.size());
    out += value;
}

void putVarintField(std::string &out, quint32 field, quint64 value) {
    putVarint(out, (quint64(field) << 3) | 0);
    putVarint(out, value);
}

QByteArray bytes(const std::string &s) {
    return QByteArray(s.data(), qsizetype(s.size()));
}
QByteArray encode(const Frame &f) {
    return protocol::encodeFrame(f);
}

//! Deterministic serialization: equal frames give equal bytes.
std::string canonical(const Frame &f) {
    std::string out;
    f.SerializeToString(&out);
    return out;
}

//! The error codes a decoder may produce for hostile input: typed, never INTERNAL or NONE.
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

using Decoder = Result<Frame> (*)(QByteArrayView);

//! Decodes; on success the frame must re-encode and decode to the same frame.
//! Returns a failure description, empty when the contract holds.
QString checkDecodeContract(Decoder decode, const QByteArray &input) {
    const auto r = decode(input);
    if (!r) {
        if (!isTypedDecodeError(r.error().code))
            return QStringLiteral("untyped error %1").arg(r.error().toString());
        if (r.error().detail.isEmpty())
            return QStringLiteral("error %1 without detail").arg(r.error().toString());
        return {};
    }
    const QByteArray again = encode(*r);
    const auto r2 = decode(again);
    if (!r2)
        return QStringLiteral("re-encoded frame rejected: %1").arg(r2.error().toString());
    if (canonical(*r2) != canonical(*r))
        return QStringLiteral("re-encoded frame differs");
    return {};
}

Frame withRegister(const std::string &username, const std::string &password,
                   const std::string &device = "laptop", const std::string &display = "Alice") {
    Frame f;
    f.set_request_id(1);
    auto *r = f.mutable_register_request();
    r->set_username(username);
    r->set_password(password);
    r->set_device_name(device);
    r->set_display_name(display);
    return f;
}

Frame withLogin(const std::string &username, const std::string &password,
                const std::string &device = "laptop") {
    Frame f;
    f.set_request_id(1);
    auto *r = f.mutable_login_request();
    r->set_username(username);
    r->set_password(password);
    r->set_device_name(device);
    return f;
}

Frame withSend(quint64 conversation, const std::string &clientId, const std::string &payload) {
    Frame f;
    f.set_request_id(1);
    auto *s = f.mutable_send_request();
    s->set_conversation_id(conversation);
    s->set_client_message_id(clientId);
    s->set_payload(payload);
    return f;
}

Frame withHistory(quint64 conversation, quint64 after, quint64 until, quint32 limit) {
    Frame f;
    f.set_request_id(1);
    auto *h = f.mutable_history_request();
    h->set_conversation_id(conversation);
    h->set_after_seq(after);
    h->set_until_seq(until);
    h->set_limit(limit);
    return f;
}

Frame withCreateGroup(const std::string &name, const std::vector<std::string> &usernames = {}) {
    Frame f;
    f.set_request_id(1);
    auto *g = f.mutable_create_group_request();
    g->set_name(name);
    for (const auto &u : usernames)
        g->add_usernames(u);
    return f;
}

//! "user0", "user1", ...: n distinct valid usernames.
std::vector<std::string> manyUsernames(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i)
        out.push_back("user" + std::to_string(i));
    return out;
}

Frame withGroupChange(quint64 conversation, wire::GroupChangeRequest::Action action,
                      const std::string &username, const std::string &name = {}) {
    Frame f;
    f.set_request_id(1);
    auto *g = f.mutable_group_change_request();
    g->set_conversation_id(conversation);
    g->set_action(action);
    g->set_username(username);
    g->set_name(name);
    return f;
}

Frame withPresenceSubscribe(const std::vector<std::string> &usernames) {
    Frame f;
    f.set_request_id(1);
    auto *p = f.mutable_presence_subscribe_request();
    for (const auto &u : usernames)
        p->add_usernames(u);
    return f;
}

Frame withContact(wire::ContactRequest::Action action, const std::string &username) {
    Frame f;
    f.set_request_id(1);
    f.mutable_contact_request()->set_action(action);
    f.mutable_contact_request()->set_username(username);
    return f;
}

//! A frame whose body (field `bodyField`) holds raw submessage bytes: enum values the generated
//! setters would not take (values the schema does not define; open proto3 enums keep them).
QByteArray rawFrame(quint32 bodyField, const std::string &body) {
    std::string raw;
    putVarintField(raw, 1, 1);
    putBytesField(raw, bodyField, body);
    return bytes(raw);
}

const std::string kGoodPassword = "password1";

int protobufLogLines = 0;
void countProtobufLog(google::protobuf::LogLevel, const char *, int, const std::string &) {
    ++protobufLogLines;
}

} // namespace

class TestCodec : public QObject {
    Q_OBJECT

private slots:
    // --- round trips ---------------------------------------------------------------------------
    void everyFrameTypeHasASample();
    void roundTripClientFrames_data();
    void roundTripClientFrames();
    void roundTripServerFrames_data();
    void roundTripServerFrames();
    void contentRoundTrip();

    // --- size limit, truncation, garbage -------------------------------------------------------
    void oversizeClientFrameRejectedBeforeParse();
    void oversizeServerFrameRejectedBeforeParse();
    void validFrameAboveLimitIsTooLarge();
    void everyPrefixDecodesOrFailsTyped();
    void randomGarbageFailsTyped();
    void mutatedFramesFailTypedOrRoundTrip();

    // --- frame types ---------------------------------------------------------------------------
    void unsetBodyIsUnknownFrame();
    void unknownBodyIsUnknownFrame();
    void unknownFieldsAreIgnored();
    void serverFramesFromClientRejected_data();
    void serverFramesFromClientRejected();
    void clientFramesFromServerRejected_data();
    void clientFramesFromServerRejected();

    // --- field limits --------------------------------------------------------------------------
    void usernameRules_data();
    void usernameRules();
    void normalizeUsername();
    void clientFieldLimits_data();
    void clientFieldLimits();
    void invalidUtf8StringIsBadFrame();
    void serverFieldLimits_data();
    void serverFieldLimits();
    void worstCasePushesFitTheFrameLimit();
    void groupFullIsATypedDecodeError();

    // --- errors --------------------------------------------------------------------------------
    void errorCodesMapOntoTheWire();
    void newErrorCodes();
    void makeErrorRoundTrip();
};

// =============================================================================================
// round trips

void TestCodec::everyFrameTypeHasASample() {
    // Probe every oneof field number: a frame with an empty submessage in field n has
    // body_case() == n exactly when n is a frame type. Each must have a sample, so adding a frame
    // type to the proto without a round-trip test fails here.
    QSet<int> sampled;
    for (const auto &s : validClientFrames())
        sampled.insert(int(s.frame.body_case()));
    for (const auto &s : validServerFrames())
        sampled.insert(int(s.frame.body_case()));
    int known = 0;
    for (quint32 n = 2; n < 1000; ++n) {
        std::string raw;
        putBytesField(raw, n, {});
        Frame f;
        QVERIFY(f.ParseFromString(raw));
        if (f.body_case() == Frame::BODY_NOT_SET)
            continue;
        ++known;
        QVERIFY2(sampled.contains(int(n)), qPrintable(QStringLiteral("frame type %1 has no sample "
                                                                     "in sample_frames.h")
                                                          .arg(n)));
    }
    QCOMPARE(known, sampled.size());
    QCOMPARE(int(validClientFrames().size() + validServerFrames().size()), sampled.size());
}

void TestCodec::roundTripClientFrames_data() {
    QTest::addColumn<int>("index");
    const auto samples = validClientFrames();
    for (int i = 0; i < int(samples.size()); ++i)
        QTest::newRow(samples[size_t(i)].name.c_str()) << i;
}

void TestCodec::roundTripClientFrames() {
    QFETCH(int, index);
    const Frame original = validClientFrames()[size_t(index)].frame;
    const QByteArray wire = encode(original);
    QVERIFY(!wire.isEmpty());
    const auto decoded = protocol::decodeClientFrame(wire);
    QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().toString()));
    QCOMPARE(decoded->body_case(), original.body_case());
    QCOMPARE(decoded->request_id(), original.request_id());
    QVERIFY(canonical(*decoded) == canonical(original));
    QVERIFY(protocol::validateClientFrame(*decoded).ok());
    QCOMPARE(encode(*decoded), wire);
}

void TestCodec::roundTripServerFrames_data() {
    QTest::addColumn<int>("index");
    const auto samples = validServerFrames();
    for (int i = 0; i < int(samples.size()); ++i)
        QTest::newRow(samples[size_t(i)].name.c_str()) << i;
}

void TestCodec::roundTripServerFrames() {
    QFETCH(int, index);
    const Frame original = validServerFrames()[size_t(index)].frame;
    const QByteArray wire = encode(original);
    const auto decoded = protocol::decodeServerFrame(wire);
    QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().toString()));
    QCOMPARE(decoded->body_case(), original.body_case());
    QCOMPARE(decoded->request_id(), original.request_id());
    QVERIFY(canonical(*decoded) == canonical(original));
    QCOMPARE(encode(*decoded), wire);
}

void TestCodec::contentRoundTrip() {
    wire::Content c;
    c.set_text("Grüße 👋");
    c.set_sent_at_ms(1'700'000'000'000);
    wire::Content back;
    QVERIFY(back.ParseFromString(c.SerializeAsString()));
    QCOMPARE(QString::fromStdString(back.text()), QStringLiteral("Grüße 👋"));
    QCOMPARE(back.sent_at_ms(), c.sent_at_ms());
    // A send request carrying it is a valid client frame.
    QVERIFY(protocol::decodeClientFrame(encode(withSend(1, "m1", c.SerializeAsString()))).ok());
}

// =============================================================================================
// size limit, truncation, garbage

void TestCodec::oversizeClientFrameRejectedBeforeParse() {
    // 0xff bytes never parse (a varint that does not end), so only the size check can make the
    // first one TOO_LARGE rather than BAD_FRAME.
    const QByteArray over(qsizetype(limits::kMaxClientFrameBytes) + 1, '\xff');
    auto r = protocol::decodeClientFrame(over);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::TooLarge);

    const QByteArray atLimit(qsizetype(limits::kMaxClientFrameBytes), '\xff');
    r = protocol::decodeClientFrame(atLimit);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::BadFrame);

    // A valid frame padded with an unknown field to exactly the limit is accepted.
    std::string raw = canonical(withSend(5, "pad", std::string(limits::kMaxPayloadBytes, 'p')));
    const size_t headroom = limits::kMaxClientFrameBytes - raw.size();
    // Field 999 takes 2 bytes of tag, a length of 16384..2097151 takes 3 bytes of varint.
    QVERIFY(headroom - 5 >= 16384 && headroom - 5 < 2097152);
    putBytesField(raw, 999, std::string(headroom - 5, 'u'));
    QCOMPARE(raw.size(), limits::kMaxClientFrameBytes);
    r = protocol::decodeClientFrame(bytes(raw));
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
    raw.push_back('\0'); // one byte more is TOO_LARGE
    r = protocol::decodeClientFrame(bytes(raw));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::TooLarge);
}

void TestCodec::oversizeServerFrameRejectedBeforeParse() {
    const QByteArray over(qsizetype(limits::kMaxServerFrameBytes) + 1, '\xff');
    auto r = protocol::decodeServerFrame(over);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::TooLarge);

    const QByteArray atLimit(qsizetype(limits::kMaxServerFrameBytes), '\xff');
    r = protocol::decodeServerFrame(atLimit);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::BadFrame);
}

void TestCodec::validFrameAboveLimitIsTooLarge() {
    // Well-formed, but larger than a client may send: rejected by size, not by field checks.
    std::string raw = canonical(withSend(5, "big", "x"));
    putBytesField(raw, 999, std::string(limits::kMaxClientFrameBytes, 'u'));
    const auto r = protocol::decodeClientFrame(bytes(raw));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::TooLarge);
}

void TestCodec::everyPrefixDecodesOrFailsTyped() {
    struct Case {
        Decoder decode;
        std::vector<SampleFrame> samples;
    };
    const Case cases[] = {{&protocol::decodeClientFrame, validClientFrames()},
                          {&protocol::decodeServerFrame, validServerFrames()}};
    int badFrames = 0;
    for (const auto &c : cases) {
        for (const auto &s : c.samples) {
            const QByteArray wire = encode(s.frame);
            for (qsizetype n = 0; n < wire.size(); ++n) {
                const QByteArray prefix = wire.left(n);
                const QString failure = checkDecodeContract(c.decode, prefix);
                QVERIFY2(failure.isEmpty(), qPrintable(QStringLiteral("%1, first %2 bytes: %3")
                                                           .arg(QString::fromStdString(s.name))
                                                           .arg(n)
                                                           .arg(failure)));
                const auto r = c.decode(prefix);
                if (!r && r.error().code == ErrorCode::BadFrame)
                    ++badFrames;
            }
            // The empty prefix is an empty frame: no body.
            const auto empty = c.decode(QByteArray());
            QVERIFY(!empty.ok());
            QCOMPARE(empty.error().code, ErrorCode::UnknownFrame);
        }
    }
    QVERIFY(badFrames > 50); // most cuts land inside a field
}

void TestCodec::randomGarbageFailsTyped() {
    QRandomGenerator rng(0x7161696e);
    for (int i = 0; i < 20000; ++i) {
        QByteArray data(qsizetype(rng.bounded(0, 300)), Qt::Uninitialized);
        for (auto &ch : data)
            ch = char(rng.bounded(256));
        for (Decoder d : {&protocol::decodeClientFrame, &protocol::decodeServerFrame}) {
            const QString failure = checkDecodeContract(d, data);
            QVERIFY2(failure.isEmpty(),
                     qPrintable(QStringLiteral("%1 on %2").arg(failure, data.toHex())));
        }
    }
}

void TestCodec::mutatedFramesFailTypedOrRoundTrip() {
    QRandomGenerator rng(12345);
    auto samples = validClientFrames();
    for (auto &s : validServerFrames())
        samples.push_back(std::move(s));
    for (const auto &s : samples) {
        const QByteArray wire = encode(s.frame);
        for (int i = 0; i < 500; ++i) {
            QByteArray m = wire;
            const int edits = int(rng.bounded(1, 4));
            for (int e = 0; e < edits && !m.isEmpty(); ++e) {
                const qsizetype at = qsizetype(rng.bounded(int(m.size())));
                switch (rng.bounded(3)) {
                case 0:
                    m[at] = char(m[at] ^ char(1 << rng.bounded(8)));
                    break;
                case 1:
                    m.insert(at, char(rng.bounded(256)));
                    break;
                default:
                    m.remove(at, 1);
                    break;
                }
            }
            for (Decoder d : {&protocol::decodeClientFrame, &protocol::decodeServerFrame}) {
                const QString failure = checkDecodeContract(d, m);
                QVERIFY2(failure.isEmpty(),
                         qPrintable(QStringLiteral("%1: %2 on %3")
                                        .arg(QString::fromStdString(s.name), failure, m.toHex())));
            }
        }
    }
}

// =============================================================================================
// frame types

void TestCodec::unsetBodyIsUnknownFrame() {
    Frame f;
    f.set_request_id(77);
    for (Decoder d : {&protocol::decodeClientFrame, &protocol::decodeServerFrame}) {
        const auto r = d(encode(f));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::UnknownFrame);
        QVERIFY(!r.error().detail.isEmpty());
    }
    QCOMPARE(protocol::validateClientFrame(Frame{}).error().code, ErrorCode::UnknownFrame);
}

void TestCodec::unknownBodyIsUnknownFrame() {
    // A frame type from a newer peer: an unknown field number where a body would be. Every
    // number that is not a frame type today (the gaps between the groups included) and a few far
    // ones; each is probed first, so a new frame type in the schema only shrinks the list.
    QList<quint32> unused;
    for (quint32 n = 2; n <= 200; ++n)
        unused.append(n);
    unused << 999 << 19000 << 536870911; // 536870911 = 2^29 - 1, the largest field number
    int tested = 0;
    for (quint32 n : unused) {
        std::string inner;
        putVarintField(inner, 1, 42);
        putBytesField(inner, 2, "future");
        std::string raw;
        putVarintField(raw, 1, 5);
        putBytesField(raw, n, inner);
        Frame probe;
        QVERIFY(probe.ParseFromString(raw));
        if (probe.body_case() != Frame::BODY_NOT_SET)
            continue; // a frame type of this schema
        ++tested;
        for (Decoder d : {&protocol::decodeClientFrame, &protocol::decodeServerFrame}) {
            const auto r = d(bytes(raw));
            QVERIFY2(!r.ok(), qPrintable(QString::number(n)));
            QCOMPARE(r.error().code, ErrorCode::UnknownFrame);
            QVERIFY(!r.error().detail.isEmpty());
        }
    }
    QVERIFY(tested > 150);
    // 999 in particular (used as "unknown" elsewhere in these tests) is no frame type.
    std::string raw;
    putBytesField(raw, 999, {});
    Frame f;
    QVERIFY(f.ParseFromString(raw));
    QCOMPARE(f.body_case(), Frame::BODY_NOT_SET);
}

void TestCodec::unknownFieldsAreIgnored() {
    // Unknown fields at the top level and inside a body are skipped, not errors.
    std::string sendBody;
    putVarintField(sendBody, 1, 42);
    putBytesField(sendBody, 2, "m-1");
    putBytesField(sendBody, 3, "ciphertext");
    putVarintField(sendBody, 15, 1);       // unknown varint
    putBytesField(sendBody, 16, "future"); // unknown bytes
    std::string raw;
    putVarintField(raw, 1, 9);
    putBytesField(raw, 30, sendBody);
    putVarintField(raw, 500, 3);
    const auto r = protocol::decodeClientFrame(bytes(raw));
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
    QCOMPARE(r->request_id(), quint64(9));
    QCOMPARE(r->send_request().conversation_id(), quint64(42));
    QCOMPARE(r->send_request().client_message_id(), std::string("m-1"));
    QCOMPARE(r->send_request().payload(), std::string("ciphertext"));

    // The same on the client side of the wire: a newer server adds a field to Message.
    std::string msg = tidings::testing::sampleMessage(42, 3, "hi").SerializeAsString();
    putBytesField(msg, 40, "reactions");
    std::string push;
    putBytesField(push, 1, msg);
    std::string raw2;
    putBytesField(raw2, 32, push);
    const auto r2 = protocol::decodeServerFrame(bytes(raw2));
    QVERIFY2(r2.ok(), qPrintable(r2.ok() ? QString() : r2.error().toString()));
    QCOMPARE(r2->message_push().messages_size(), 1);
    QCOMPARE(r2->message_push().messages(0).seq(), quint64(3));
}

void TestCodec::serverFramesFromClientRejected_data() {
    QTest::addColumn<int>("index");
    const auto samples = validServerFrames();
    for (int i = 0; i < int(samples.size()); ++i)
        QTest::newRow(samples[size_t(i)].name.c_str()) << i;
}

void TestCodec::serverFramesFromClientRejected() {
    QFETCH(int, index);
    const Frame f = validServerFrames()[size_t(index)].frame;
    const auto r = protocol::decodeClientFrame(encode(f));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::UnknownFrame);
    QCOMPARE(protocol::validateClientFrame(f).error().code, ErrorCode::UnknownFrame);
}

void TestCodec::clientFramesFromServerRejected_data() {
    QTest::addColumn<int>("index");
    const auto samples = validClientFrames();
    for (int i = 0; i < int(samples.size()); ++i)
        QTest::newRow(samples[size_t(i)].name.c_str()) << i;
}

void TestCodec::clientFramesFromServerRejected() {
    QFETCH(int, index);
    const auto r = protocol::decodeServerFrame(encode(validClientFrames()[size_t(index)].frame));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::UnknownFrame);
}

// =============================================================================================
// field limits

void TestCodec::usernameRules_data() {
    QTest::addColumn<QByteArray>("username"); // UTF-8, as on the wire
    QTest::addColumn<ErrorCode>("expected");  // None = accepted

    const auto ok = ErrorCode::None;
    const auto invalid = ErrorCode::InvalidUsername;
    QTest::newRow("plain") << QByteArray("alice") << ok;
    QTest::newRow("min length 3") << QByteArray("abc") << ok;
    QTest::newRow("2 chars") << QByteArray("ab") << invalid;
    QTest::newRow("empty") << QByteArray() << invalid;
    QTest::newRow("max length 32") << QByteArray(32, 'a') << ok;
    QTest::newRow("33 chars") << QByteArray(33, 'a') << invalid;
    QTest::newRow("128 bytes: invalid, not too large") << QByteArray(128, 'a') << invalid;
    QTest::newRow("129 bytes: too large") << QByteArray(129, 'a') << ErrorCode::TooLarge;
    QTest::newRow("all allowed chars") << QByteArray("a.b-c_d0123456789") << ok;
    QTest::newRow("starts with digit") << QByteArray("1alice") << invalid;
    QTest::newRow("starts with _") << QByteArray("_alice") << invalid;
    QTest::newRow("starts with .") << QByteArray(".alice") << invalid;
    QTest::newRow("starts with -") << QByteArray("-alice") << invalid;
    QTest::newRow("inner space") << QByteArray("al ice") << invalid;
    QTest::newRow("at sign") << QByteArray("al@ice") << invalid;
    QTest::newRow("plus") << QByteArray("al+ice") << invalid;
    QTest::newRow("slash") << QByteArray("al/ice") << invalid;
    QTest::newRow("nul byte") << QByteArray("ali\0ce", 6) << invalid;
    QTest::newRow("non-ASCII letter") << QByteArray("\xc3\xa5lice") << invalid; // ålice
    QTest::newRow("cyrillic a") << QByteArray("\xd0\xb0lice") << invalid;       // аlice
    QTest::newRow("fullwidth a") << QByteArray("\xef\xbd\x81lice") << invalid;  // ａlice
    QTest::newRow("emoji") << QByteArray("alice\xf0\x9f\x91\x8b") << invalid;
    // Normalization: trimmed and lower-cased before the rules apply.
    QTest::newRow("upper case is normalized") << QByteArray("ALICE") << ok;
    QTest::newRow("mixed case") << QByteArray("Alice.Smith") << ok;
    QTest::newRow("surrounding spaces trimmed") << QByteArray("  alice\t") << ok;
    QTest::newRow("32 chars plus spaces") << QByteArray("  " + QByteArray(32, 'Z') + "  ") << ok;
    QTest::newRow("2 chars plus spaces") << QByteArray("  ab  ") << invalid;
    QTest::newRow("only spaces") << QByteArray("     ") << invalid;
}

void TestCodec::usernameRules() {
    QFETCH(QByteArray, username);
    QFETCH(ErrorCode, expected);
    const std::string name(username.constData(), size_t(username.size()));

    // The same rules apply to registration and to opening a direct conversation.
    Frame open;
    open.set_request_id(3);
    open.mutable_open_direct_request()->set_username(name);
    for (const Frame &f : {withRegister(name, kGoodPassword), open}) {
        const auto r = protocol::decodeClientFrame(encode(f));
        if (expected == ErrorCode::None) {
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        } else {
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, expected);
        }
    }
    // isValidUsername itself takes the normalized form only.
    const QString normalized = protocol::normalizeUsername(QString::fromUtf8(username));
    if (expected == ErrorCode::None) {
        QVERIFY(protocol::isValidUsername(normalized));
        QCOMPARE(normalized, normalized.toLower().trimmed());
    }
}

void TestCodec::normalizeUsername() {
    QCOMPARE(protocol::normalizeUsername(u"  Alice.Smith \n"), QStringLiteral("alice.smith"));
    QCOMPARE(protocol::normalizeUsername(u"BOB"), QStringLiteral("bob"));
    QVERIFY(!protocol::isValidUsername(u"Alice")); // not normalized: rejected
    QVERIFY(!protocol::isValidUsername(u" alice"));
    QVERIFY(protocol::isValidUsername(u"alice"));
    QVERIFY(!protocol::isValidUsername(QString(33, u'a')));
    QVERIFY(protocol::isValidUsername(QString(32, u'a')));
}

void TestCodec::clientFieldLimits_data() {
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<ErrorCode>("expected");

    const auto ok = ErrorCode::None;
    const auto bad = ErrorCode::BadFrame;
    const auto large = ErrorCode::TooLarge;
    auto row = [](const char *name, const Frame &f, ErrorCode e) {
        QTest::newRow(name) << encode(f) << e;
    };

    // register: password 8..1024 bytes, device and display name up to 64 bytes
    row("register password 7 bytes", withRegister("alice", "1234567"), ErrorCode::WeakPassword);
    row("register password empty", withRegister("alice", ""), ErrorCode::WeakPassword);
    row("register password 8 bytes", withRegister("alice", "12345678"), ok);
    row("register password 1024 bytes", withRegister("alice", std::string(1024, 'p')), ok);
    row("register password 1025 bytes", withRegister("alice", std::string(1025, 'p')), large);
    row("register device name 64", withRegister("alice", kGoodPassword, std::string(64, 'd')), ok);
    row("register device name 65", withRegister("alice", kGoodPassword, std::string(65, 'd')),
        large);
    row("register device name empty", withRegister("alice", kGoodPassword, ""), ok);
    row("register display name 64",
        withRegister("alice", kGoodPassword, "laptop", std::string(64, 'n')), ok);
    row("register display name 65",
        withRegister("alice", kGoodPassword, "laptop", std::string(65, 'n')), large);

    // login: any non-empty username up to 128 bytes (unknown names are BAD_CREDENTIALS later),
    // any non-empty password up to 1024 bytes (no minimum: old accounts may log in)
    row("login plain", withLogin("alice", "x"), ok);
    row("login username not a valid name", withLogin("Not Valid!", "pw"), ok);
    row("login username empty", withLogin("", kGoodPassword), bad);
    row("login username 128 bytes", withLogin(std::string(128, 'a'), kGoodPassword), ok);
    row("login username 129 bytes", withLogin(std::string(129, 'a'), kGoodPassword), bad);
    row("login password empty", withLogin("alice", ""), bad);
    row("login password 1024", withLogin("alice", std::string(1024, 'p')), ok);
    row("login password 1025", withLogin("alice", std::string(1025, 'p')), large);
    row("login device name 64", withLogin("alice", kGoodPassword, std::string(64, 'd')), ok);
    row("login device name 65", withLogin("alice", kGoodPassword, std::string(65, 'd')), large);

    // auth: the device token is exactly 32 bytes
    for (int n : {0, 1, 31, 32, 33, 64}) {
        Frame f;
        f.set_request_id(1);
        f.mutable_auth_request()->set_device_token(std::string(size_t(n), '\x01'));
        const QByteArray name = "auth token " + QByteArray::number(n) + " bytes";
        QTest::newRow(name.constData()) << encode(f) << (n == 32 ? ok : ErrorCode::BadToken);
    }

    // send: conversation id, client_message_id 1..64 printable ASCII, payload 1..64 KiB
    row("send plain", withSend(1, "m", "p"), ok);
    row("send conversation 0", withSend(0, "m", "p"), bad);
    row("send client id empty", withSend(1, "", "p"), bad);
    row("send client id 64", withSend(1, std::string(64, 'c'), "p"), ok);
    row("send client id 65", withSend(1, std::string(65, 'c'), "p"), large);
    row("send client id ! and ~", withSend(1, "!~", "p"), ok);
    row("send client id with space", withSend(1, "a b", "p"), bad);
    row("send client id with tab", withSend(1, "a\tb", "p"), bad);
    row("send client id with newline", withSend(1, "a\n", "p"), bad);
    row("send client id with DEL", withSend(1, "a\x7f", "p"), bad);
    row("send client id with NUL", withSend(1, std::string("a\0b", 3), "p"), bad);
    row("send client id non-ASCII", withSend(1, "caf\xc3\xa9", "p"), bad);
    row("send payload empty", withSend(1, "m", ""), bad);
    row("send payload 1 byte", withSend(1, "m", std::string(1, '\0')), ok);
    row("send payload 64 KiB", withSend(1, "m", std::string(limits::kMaxPayloadBytes, 'x')), ok);
    row("send payload 64 KiB + 1", withSend(1, "m", std::string(limits::kMaxPayloadBytes + 1, 'x')),
        large);

    // delivery and read acks: both ids set
    for (const bool read : {false, true}) {
        for (const auto &[conv, seq] : {std::pair{1, 1}, {0, 1}, {1, 0}, {0, 0}}) {
            Frame f;
            f.set_request_id(0);
            if (read) {
                f.mutable_read_ack()->set_conversation_id(quint64(conv));
                f.mutable_read_ack()->set_seq(quint64(seq));
            } else {
                f.mutable_delivery_ack()->set_conversation_id(quint64(conv));
                f.mutable_delivery_ack()->set_seq(quint64(seq));
            }
            const QByteArray name = QByteArray(read ? "read_ack" : "delivery_ack") + " conv " +
                                    QByteArray::number(conv) + " seq " + QByteArray::number(seq);
            QTest::newRow(name.constData()) << encode(f) << (conv && seq ? ok : bad);
        }
    }

    // history: conversation id, limit 0 (default)..500, until_seq 0 (latest) or above after_seq
    row("history plain", withHistory(1, 0, 0, 0), ok);
    row("history conversation 0", withHistory(0, 0, 0, 10), bad);
    row("history limit 500", withHistory(1, 0, 0, 500), ok);
    row("history limit 501", withHistory(1, 0, 0, 501), large);
    row("history limit max uint32", withHistory(1, 0, 0, 0xffffffffu), large);
    row("history until 0 means latest", withHistory(1, 100, 0, 10), ok);
    row("history until after+1", withHistory(1, 100, 101, 10), ok);
    row("history until == after", withHistory(1, 100, 100, 10), bad);
    row("history until < after", withHistory(1, 100, 99, 10), bad);

    // create group: name 1..64 bytes and not blank, at most 499 others, each a valid username
    using Strings = std::vector<std::string>;
    const auto groupFull = ErrorCode::GroupFull;
    const auto invalid = ErrorCode::InvalidUsername;
    row("group plain", withCreateGroup("Team", {"bob", "carol"}), ok);
    row("group without others", withCreateGroup("Just me"), ok);
    row("group name missing", withCreateGroup("", {"bob"}), bad);
    row("group name blank", withCreateGroup("   ", {"bob"}), bad);
    row("group name tabs and newlines", withCreateGroup("\t\n \r", {"bob"}), bad);
    row("group name 1 byte", withCreateGroup("x", {"bob"}), ok);
    row("group name padded", withCreateGroup("  x  ", {"bob"}), ok);
    row("group name 64 bytes", withCreateGroup(std::string(64, 'g'), {"bob"}), ok);
    row("group name 65 bytes", withCreateGroup(std::string(65, 'g'), {"bob"}), large);
    // bytes, not characters: 16 four-byte emoji are 64 bytes, 17 are 68; 33 two-byte é are 66
    std::string emoji16;
    for (int i = 0; i < 16; ++i)
        emoji16 += "\xf0\x9f\x93\x9a";
    row("group name 16 emoji (64 bytes)", withCreateGroup(emoji16, {"bob"}), ok);
    row("group name 17 emoji (68 bytes)", withCreateGroup(emoji16 + "\xf0\x9f\x93\x9a", {"bob"}),
        large);
    std::string e33;
    for (int i = 0; i < 33; ++i)
        e33 += "\xc3\xa9";
    row("group name 33 x 2-byte char (66 bytes)", withCreateGroup(e33, {"bob"}), large);
    row("group 499 others", withCreateGroup("Big", manyUsernames(limits::kMaxGroupMembers - 1)),
        ok);
    row("group 500 others", withCreateGroup("Big", manyUsernames(limits::kMaxGroupMembers)),
        groupFull);
    row("group 1000 others", withCreateGroup("Big", manyUsernames(2 * limits::kMaxGroupMembers)),
        groupFull);
    row("group usernames normalized", withCreateGroup("Team", {"Bob", " carol "}), ok);
    row("group invalid first username", withCreateGroup("Team", {"1bob", "carol"}), invalid);
    row("group invalid last username", withCreateGroup("Team", {"bob", "carol", "x"}), invalid);
    row("group empty username", withCreateGroup("Team", {"bob", ""}), invalid);
    row("group username with space", withCreateGroup("Team", {"bo b"}), invalid);
    row("group username 129 bytes", withCreateGroup("Team", {"bob", std::string(129, 'a')}), large);
    {
        Strings names = manyUsernames(limits::kMaxGroupMembers - 2);
        names.push_back("no way");
        row("group 499 others, the last invalid", withCreateGroup("Big", names), invalid);
    }

    // group change: a conversation; add/remove/promote/demote need a valid username, rename a
    // valid name, leave nothing; any other action value is BAD_FRAME
    using GC = wire::GroupChangeRequest;
    const std::pair<const char *, GC::Action> userActions[] = {{"add", GC::ACTION_ADD},
                                                               {"remove", GC::ACTION_REMOVE},
                                                               {"promote", GC::ACTION_PROMOTE},
                                                               {"demote", GC::ACTION_DEMOTE}};
    for (const auto &[name, action] : userActions) {
        const QByteArray n = QByteArray("group ") + name;
        QTest::newRow((n + " plain").constData())
            << encode(withGroupChange(43, action, "bob")) << ok;
        QTest::newRow((n + " normalized username").constData())
            << encode(withGroupChange(43, action, " Bob ")) << ok;
        QTest::newRow((n + " without conversation").constData())
            << encode(withGroupChange(0, action, "bob")) << bad;
        QTest::newRow((n + " without username").constData())
            << encode(withGroupChange(43, action, "")) << invalid;
        QTest::newRow((n + " without username, with a name").constData())
            << encode(withGroupChange(43, action, "", "New name")) << invalid;
        QTest::newRow((n + " invalid username").constData())
            << encode(withGroupChange(43, action, "-bob")) << invalid;
        QTest::newRow((n + " username 129 bytes").constData())
            << encode(withGroupChange(43, action, std::string(129, 'b'))) << large;
    }
    row("group leave", withGroupChange(43, GC::ACTION_LEAVE, ""), ok);
    row("group leave ignores username", withGroupChange(43, GC::ACTION_LEAVE, "not valid!"), ok);
    row("group leave without conversation", withGroupChange(0, GC::ACTION_LEAVE, ""), bad);
    row("group rename", withGroupChange(43, GC::ACTION_RENAME, "", "New name"), ok);
    row("group rename ignores username", withGroupChange(43, GC::ACTION_RENAME, "!!", "New"), ok);
    row("group rename without conversation", withGroupChange(0, GC::ACTION_RENAME, "", "New"), bad);
    row("group rename without name", withGroupChange(43, GC::ACTION_RENAME, "bob"), bad);
    row("group rename blank name", withGroupChange(43, GC::ACTION_RENAME, "", " \t "), bad);
    row("group rename name 64 bytes",
        withGroupChange(43, GC::ACTION_RENAME, "", std::string(64, 'n')), ok);
    row("group rename name 65 bytes",
        withGroupChange(43, GC::ACTION_RENAME, "", std::string(65, 'n')), large);
    for (const quint64 action : {quint64(6), quint64(7), quint64(1000), ~quint64(0)}) {
        std::string body;
        putVarintField(body, 1, 43);
        putVarintField(body, 2, action);
        putBytesField(body, 3, "bob");
        putBytesField(body, 4, "name");
        const QByteArray n = "group action " + QByteArray::number(qint64(action));
        QTest::newRow(n.constData()) << rawFrame(41, body) << bad;
    }
    {
        std::string body; // the largest known action, written raw, is accepted
        putVarintField(body, 1, 43);
        putVarintField(body, 2, quint64(GC::ACTION_RENAME));
        putBytesField(body, 4, "name");
        QTest::newRow("group action 5 (rename), raw") << rawFrame(41, body) << ok;
    }

    // group info, readers: ids set
    for (const quint64 conv : {0, 43}) {
        Frame f;
        f.set_request_id(1);
        f.mutable_group_info_request()->set_conversation_id(conv);
        QTest::newRow(("group info conv " + QByteArray::number(conv)).constData())
            << encode(f) << (conv ? ok : bad);
    }
    for (const auto &[conv, seq] : {std::pair{1, 1}, {0, 1}, {1, 0}, {0, 0}}) {
        Frame f;
        f.set_request_id(1);
        f.mutable_readers_request()->set_conversation_id(quint64(conv));
        f.mutable_readers_request()->set_seq(quint64(seq));
        const QByteArray n =
            "readers conv " + QByteArray::number(conv) + " seq " + QByteArray::number(seq);
        QTest::newRow(n.constData()) << encode(f) << (conv && seq ? ok : bad);
    }

    // devices: list needs nothing, revoke needs a device id
    {
        Frame f;
        f.mutable_devices_request();
        row("devices request", f, ok);
        Frame g;
        g.mutable_revoke_device_request()->set_device_id(0);
        row("revoke device 0", g, bad);
        g.mutable_revoke_device_request()->set_device_id(1);
        row("revoke device 1", g, ok);
        g.mutable_revoke_device_request()->set_device_id(~quint64(0));
        row("revoke device max", g, ok);
    }

    // presence: at most 100 subscriptions, each a valid username; none unsubscribes all
    row("presence none", withPresenceSubscribe({}), ok);
    row("presence 100", withPresenceSubscribe(manyUsernames(limits::kMaxPresenceSubscriptions)),
        ok);
    row("presence 101", withPresenceSubscribe(manyUsernames(limits::kMaxPresenceSubscriptions + 1)),
        large);
    row("presence normalized", withPresenceSubscribe({"BOB", " carol"}), ok);
    row("presence invalid first", withPresenceSubscribe({"b", "carol"}), invalid);
    row("presence invalid last", withPresenceSubscribe({"bob", "carol", "c@rol"}), invalid);
    row("presence empty username", withPresenceSubscribe({""}), invalid);
    row("presence username 129 bytes", withPresenceSubscribe({std::string(129, 'a')}), large);

    // privacy: a known visibility
    for (const quint64 v : {quint64(0), quint64(1), quint64(2), quint64(3), quint64(100),
                            ~quint64(0)}) { // ~0: -1 as a varint
        std::string body;
        putVarintField(body, 1, v);
        const QByteArray n = "privacy visibility " + QByteArray::number(qint64(v));
        QTest::newRow(n.constData()) << rawFrame(63, body) << (v <= 2 ? ok : bad);
    }

    // typing: a conversation
    for (const bool typing : {true, false}) {
        for (const quint64 conv : {0, 43}) {
            Frame f;
            f.mutable_typing_request()->set_conversation_id(conv);
            f.mutable_typing_request()->set_typing(typing);
            const QByteArray n = QByteArray("typing ") + (typing ? "on" : "off") + " conv " +
                                 QByteArray::number(conv);
            QTest::newRow(n.constData()) << encode(f) << (conv ? ok : bad);
        }
    }

    // contacts: a known action and a valid username; listing needs nothing
    using CR = wire::ContactRequest;
    for (const auto action :
         {CR::ACTION_ADD, CR::ACTION_REMOVE, CR::ACTION_BLOCK, CR::ACTION_UNBLOCK}) {
        const QByteArray n = "contact " + QByteArray::fromStdString(CR::Action_Name(action));
        QTest::newRow((n + " plain").constData()) << encode(withContact(action, "bob")) << ok;
        QTest::newRow((n + " normalized").constData()) << encode(withContact(action, "Bob")) << ok;
        QTest::newRow((n + " without username").constData())
            << encode(withContact(action, "")) << invalid;
        QTest::newRow((n + " invalid username").constData())
            << encode(withContact(action, "b0b!")) << invalid;
        QTest::newRow((n + " username 129 bytes").constData())
            << encode(withContact(action, std::string(129, 'b'))) << large;
    }
    for (const quint64 action : {quint64(4), quint64(99), ~quint64(0)}) {
        std::string body;
        putVarintField(body, 1, action);
        putBytesField(body, 2, "bob");
        const QByteArray n = "contact action " + QByteArray::number(qint64(action));
        QTest::newRow(n.constData()) << rawFrame(70, body) << bad;
    }
    {
        Frame f;
        f.mutable_contacts_request();
        row("contacts request", f, ok);
    }

    // ping carries no limits
    Frame ping;
    ping.mutable_ping()->set_client_time_ms(-1);
    row("ping negative time", ping, ok);
}

void TestCodec::clientFieldLimits() {
    QFETCH(QByteArray, wire);
    QFETCH(ErrorCode, expected);
    const auto r = protocol::decodeClientFrame(wire);
    if (expected == ErrorCode::None) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        return;
    }
    QVERIFY2(!r.ok(), "accepted a frame that breaks a limit");
    QCOMPARE(r.error().code, expected);
    QVERIFY(!r.error().detail.isEmpty());
    // validateClientFrame (used on already parsed frames) agrees with the decoder.
    Frame parsed;
    QVERIFY(parsed.ParseFromArray(wire.constData(), int(wire.size())));
    QCOMPARE(protocol::validateClientFrame(parsed).error().code, expected);
}

void TestCodec::invalidUtf8StringIsBadFrame() {
    // proto3 string fields must be UTF-8; bytes fields (payload, token) may hold anything.
    std::string body;
    putBytesField(body, 1, "ali\xff\xfe");
    putBytesField(body, 2, kGoodPassword);
    std::string raw;
    putVarintField(raw, 1, 1);
    putBytesField(raw, 10, body);
    const auto r = protocol::decodeClientFrame(bytes(raw));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::BadFrame);

    QVERIFY(protocol::decodeClientFrame(encode(withSend(1, "m", "\xff\xfe\x00"))).ok());
}

void TestCodec::serverFieldLimits_data() {
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<ErrorCode>("expected");
    using tidings::testing::sampleMessage;

    auto push = [](int count, quint64 conv, quint64 seq, size_t payload) {
        Frame f;
        auto *p = f.mutable_message_push();
        for (int i = 0; i < count; ++i)
            *p->add_messages() = sampleMessage(1, quint64(i + 1), "m");
        *p->add_messages() = sampleMessage(conv, seq, std::string(payload, 'x'));
        return encode(f);
    };
    auto history = [](int count, quint64 conv, quint64 seq) {
        Frame f;
        f.set_request_id(4);
        auto *h = f.mutable_history_response();
        for (int i = 0; i < count; ++i)
            *h->add_messages() = sampleMessage(1, quint64(i + 1), "m");
        *h->add_messages() = sampleMessage(conv, seq, "last");
        return encode(f);
    };
    const auto ok = ErrorCode::None;
    const auto bad = ErrorCode::BadFrame;
    const auto large = ErrorCode::TooLarge;
    const int maxPush = limits::kMaxMessagesPerPush;
    const int maxHistory = int(limits::kMaxHistoryLimit);

    QTest::newRow("push 256 messages") << push(maxPush - 1, 1, 999, 1) << ok;
    QTest::newRow("push 257 messages") << push(maxPush, 1, 999, 1) << large;
    QTest::newRow("push conversation 0") << push(3, 0, 5, 1) << bad;
    QTest::newRow("push seq 0") << push(3, 1, 0, 1) << bad;
    QTest::newRow("push payload 64 KiB") << push(0, 1, 1, limits::kMaxPayloadBytes) << ok;
    QTest::newRow("push payload 64 KiB + 1")
        << push(0, 1, 1, limits::kMaxPayloadBytes + 1) << large;
    QTest::newRow("empty push") << encode([] {
        Frame f;
        f.mutable_message_push();
        return f;
    }()) << ok;
    QTest::newRow("history 500 messages") << history(maxHistory - 1, 1, 999) << ok;
    QTest::newRow("history 501 messages") << history(maxHistory, 1, 999) << large;
    QTest::newRow("history conversation 0") << history(2, 0, 7) << bad;
    QTest::newRow("history seq 0") << history(2, 1, 0) << bad;

    auto historyPayload = [](size_t payload) {
        Frame f;
        f.set_request_id(4);
        auto *h = f.mutable_history_response();
        *h->add_messages() = sampleMessage(1, 1, "first");
        *h->add_messages() = sampleMessage(1, 2, std::string(payload, 'x'));
        return encode(f);
    };
    QTest::newRow("history payload 64 KiB") << historyPayload(limits::kMaxPayloadBytes) << ok;
    QTest::newRow("history payload 64 KiB + 1")
        << historyPayload(limits::kMaxPayloadBytes + 1) << large;

    // Group system events carry no payload; a message with both still only needs ids.
    {
        Frame f;
        *f.mutable_message_push()->add_messages() = tidings::testing::sampleSystemMessage(43, 1);
        QTest::newRow("push system event") << encode(f) << ok;
        f.mutable_message_push()->mutable_messages(0)->set_seq(0);
        QTest::newRow("push system event seq 0") << encode(f) << bad;
    }

    // Conversation info: at most 500 members.
    auto group = [](int members) {
        Frame f;
        f.set_request_id(6);
        auto *c = f.mutable_conversation_info();
        c->set_conversation_id(43);
        c->set_kind(wire::CONVERSATION_GROUP);
        c->set_name("Big");
        for (int i = 0; i < members; ++i)
            *c->add_members() =
                tidings::testing::sampleMember(quint64(i + 1), "user" + std::to_string(i),
                                               i == 0 ? wire::ROLE_ADMIN : wire::ROLE_MEMBER, 5, 4);
        return encode(f);
    };
    QTest::newRow("group info 0 members") << group(0) << ok;
    QTest::newRow("group info 500 members") << group(limits::kMaxGroupMembers) << ok;
    QTest::newRow("group info 501 members") << group(limits::kMaxGroupMembers + 1) << large;
    QTest::newRow("group info 1000 members") << group(2 * limits::kMaxGroupMembers) << large;
}

void TestCodec::serverFieldLimits() {
    QFETCH(QByteArray, wire);
    QFETCH(ErrorCode, expected);
    const auto r = protocol::decodeServerFrame(wire);
    if (expected == ErrorCode::None) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        return;
    }
    QVERIFY2(!r.ok(), "accepted a frame that breaks a limit");
    QCOMPARE(r.error().code, expected);
    QVERIFY(!r.error().detail.isEmpty());
}

void TestCodec::worstCasePushesFitTheFrameLimit() {
    // The server cuts pushes and history pages by payload bytes (kMaxPushPayloadBytes; the message
    // that crosses the budget still goes into the frame) and by count. The largest frame it can
    // build that way, with every other field at its maximum, must still pass the client's limit.
    using tidings::testing::sampleMessage;
    auto fullMessage = [](quint64 seq, size_t payload) {
        wire::Message m = sampleMessage(~quint64(0), seq, std::string(payload, 'x'));
        m.set_sender_user_id(~quint64(0));
        m.set_sender_device_id(~quint64(0));
        m.set_sender_username(std::string(size_t(limits::kMaxUsernameLength), 'u'));
        m.set_client_message_id(std::string(size_t(limits::kMaxClientMessageIdBytes), 'c'));
        m.set_server_time_ms(std::numeric_limits<qint64>::min()); // the longest varint
        return m;
    };
    // Count-bound: 256 messages whose payloads stay just under the budget, the last one full.
    const int count = limits::kMaxMessagesPerPush;
    const size_t small = (limits::kMaxPushPayloadBytes - 1) / size_t(count - 1);
    Frame push;
    for (int i = 0; i < count - 1; ++i)
        *push.mutable_message_push()->add_messages() = fullMessage(quint64(i + 1), small);
    *push.mutable_message_push()->add_messages() =
        fullMessage(quint64(count), limits::kMaxPayloadBytes);
    QByteArray wire = encode(push);
    QVERIFY2(size_t(wire.size()) <= limits::kMaxServerFrameBytes,
             qPrintable(QString::number(wire.size())));
    auto r = protocol::decodeServerFrame(wire);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));

    // History: up to 500 messages under the same budget plus the cursors of all 500 members.
    Frame page;
    page.set_request_id(~quint64(0));
    auto *h = page.mutable_history_response();
    const int pageCount = int(limits::kMaxHistoryLimit);
    const size_t pageSmall = (limits::kMaxPushPayloadBytes - 1) / size_t(pageCount - 1);
    for (int i = 0; i < pageCount - 1; ++i)
        *h->add_messages() = fullMessage(quint64(i + 1), pageSmall);
    *h->add_messages() = fullMessage(quint64(pageCount), limits::kMaxPayloadBytes);
    h->set_has_more(true);
    for (int i = 0; i < limits::kMaxGroupMembers; ++i) {
        auto *c = h->add_cursors();
        c->set_conversation_id(~quint64(0));
        c->set_user_id(~quint64(0));
        c->set_delivered_seq(~quint64(0));
        c->set_read_seq(~quint64(0));
        c->set_all_delivered_seq(~quint64(0));
        c->set_all_read_seq(~quint64(0));
    }
    wire = encode(page);
    QVERIFY2(size_t(wire.size()) <= limits::kMaxServerFrameBytes,
             qPrintable(QString::number(wire.size())));
    r = protocol::decodeServerFrame(wire);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
}

void TestCodec::groupFullIsATypedDecodeError() {
    // Hostile input can make the decoder answer GROUP_FULL: the fuzzer and checkDecodeContract
    // must count it as a typed rejection.
    const QByteArray wire = encode(withCreateGroup("Big", manyUsernames(limits::kMaxGroupMembers)));
    const auto r = protocol::decodeClientFrame(wire);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::GroupFull);
    QVERIFY(!r.error().detail.isEmpty());
    QVERIFY(checkDecodeContract(&protocol::decodeClientFrame, wire).isEmpty());
    // ... and it travels to the client as itself.
    const Frame err = protocol::makeError(1, r.error().code, r.error().detail);
    const auto back = protocol::decodeServerFrame(encode(err));
    QVERIFY(back.ok());
    QCOMPARE(protocol::errorFromFrame(*back).code, ErrorCode::GroupFull);
}

// =============================================================================================
// errors

void TestCodec::errorCodesMapOntoTheWire() {
    QSet<QString> names;
    for (int v = 1; v <= int(wire::ErrorCode_MAX); ++v) {
        QVERIFY(wire::ErrorCode_IsValid(v));
        const auto code = ErrorCode(v);
        QCOMPARE(int(protocol::toWire(code)), v);
        QCOMPARE(protocol::fromWire(wire::ErrorCode(v)), code);
        const QString name = QString::fromLatin1(errorCodeName(code));
        QVERIFY2(name != QLatin1String("UNKNOWN"), qPrintable(QString::number(v)));
        QVERIFY(!names.contains(name));
        names.insert(name);
        // The wire enum's name is ERROR_<our name>.
        QCOMPARE(QString::fromStdString(wire::ErrorCode_Name(wire::ErrorCode(v))),
                 QStringLiteral("ERROR_") + name);
    }
    // Client-only codes never go on the wire as themselves; unknown wire codes become INTERNAL.
    for (auto c : {ErrorCode::Network, ErrorCode::Timeout, ErrorCode::Storage, ErrorCode::Usage})
        QCOMPARE(protocol::toWire(c), wire::ERROR_INTERNAL);
    QCOMPARE(protocol::fromWire(wire::ERROR_NONE), ErrorCode::Internal);
    QCOMPARE(protocol::fromWire(wire::ErrorCode(9999)), ErrorCode::Internal);
}

void TestCodec::newErrorCodes() {
    // The codes of groups and devices, by name and by wire value.
    const std::tuple<ErrorCode, const char *, wire::ErrorCode, int> codes[] = {
        {ErrorCode::NotAdmin, "NOT_ADMIN", wire::ERROR_NOT_ADMIN, 18},
        {ErrorCode::GroupFull, "GROUP_FULL", wire::ERROR_GROUP_FULL, 19},
        {ErrorCode::NotAGroup, "NOT_A_GROUP", wire::ERROR_NOT_A_GROUP, 20},
        {ErrorCode::NoSuchDevice, "NO_SUCH_DEVICE", wire::ERROR_NO_SUCH_DEVICE, 21},
    };
    for (const auto &[code, name, wireCode, value] : codes) {
        QCOMPARE(errorCodeName(code), name);
        QCOMPARE(int(code), value);
        QCOMPARE(int(wireCode), value);
        QCOMPARE(protocol::toWire(code), wireCode);
        QCOMPARE(protocol::fromWire(wireCode), code);
        const Frame f = protocol::makeError(9, code, QStringLiteral("why"));
        const auto r = protocol::decodeServerFrame(encode(f));
        QVERIFY(r.ok());
        QCOMPARE(r->error().code(), wireCode);
        const Error e = protocol::errorFromFrame(*r);
        QCOMPARE(e.code, code);
        QCOMPARE(e.toString(), QString::fromLatin1(name) + QStringLiteral(": why"));
    }
    // NO_SUCH_DEVICE is the last wire code; a new one must be added here and to ErrorCode.
    QCOMPARE(int(wire::ErrorCode_MAX), int(ErrorCode::NoSuchDevice));
    QCOMPARE(int(wire::ErrorCode_MAX) + 1 < int(ErrorCode::Network), true);
    QCOMPARE(errorCodeName(ErrorCode(22)), "UNKNOWN");
}

void TestCodec::makeErrorRoundTrip() {
    const Frame f =
        protocol::makeError(31, ErrorCode::RateLimited, QStringLiteral("too fast"), 250);
    const auto r = protocol::decodeServerFrame(encode(f));
    QVERIFY(r.ok());
    QCOMPARE(r->request_id(), quint64(31));
    const Error e = protocol::errorFromFrame(*r);
    QCOMPARE(e.code, ErrorCode::RateLimited);
    QCOMPARE(e.detail, QStringLiteral("too fast"));
    QCOMPARE(e.retryAfterMs, quint32(250));
    QCOMPARE(e.toString(), QStringLiteral("RATE_LIMITED: too fast"));
    QCOMPARE((Error{ErrorCode::BadFrame, {}}).toString(), QStringLiteral("BAD_FRAME"));
}

int main(int argc, char **argv) {
    // Hostile input makes libprotobuf log every invalid UTF-8 string; count instead of printing.
    google::protobuf::SetLogHandler(&countProtobufLog);
    TestCodec test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_codec.moc"
