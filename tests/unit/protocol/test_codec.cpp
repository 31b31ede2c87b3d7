// The frame codec: round trips, size limits before parsing, truncation and garbage, direction,
// unknown types and fields, error-code mapping. Field-by-field limits: test_codec_limits.cpp.
#include "codec_test_support.h"

using namespace codec_test;

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
        // A frame type of this schema either parses into a body or, when the probe's inner
        // fields have the wrong wire type for it, fails to parse; an unknown number always parses.
        if (!probe.ParseFromString(raw) || probe.body_case() != Frame::BODY_NOT_SET)
            continue;
        ++tested;
        for (Decoder d : {&protocol::decodeClientFrame, &protocol::decodeServerFrame}) {
            const auto r = d(bytes(raw));
            QVERIFY2(!r.ok(), qPrintable(QString::number(n)));
            QCOMPARE(r.error().code, ErrorCode::UnknownFrame);
            QVERIFY(!r.error().detail.isEmpty());
        }
    }
    QVERIFY(tested > 140);
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
        {ErrorCode::NoKeys, "NO_KEYS", wire::ERROR_NO_KEYS, 22},
        {ErrorCode::IdentityMismatch, "IDENTITY_MISMATCH", wire::ERROR_IDENTITY_MISMATCH, 23},
        {ErrorCode::NoSuchBlob, "NO_SUCH_BLOB", wire::ERROR_NO_SUCH_BLOB, 24},
        {ErrorCode::OffsetMismatch, "OFFSET_MISMATCH", wire::ERROR_OFFSET_MISMATCH, 25},
        {ErrorCode::HashMismatch, "HASH_MISMATCH", wire::ERROR_HASH_MISMATCH, 26},
        {ErrorCode::UploadIncomplete, "UPLOAD_INCOMPLETE", wire::ERROR_UPLOAD_INCOMPLETE, 27},
        {ErrorCode::QuotaExceeded, "QUOTA_EXCEEDED", wire::ERROR_QUOTA_EXCEEDED, 28},
        {ErrorCode::StorageFull, "STORAGE_FULL", wire::ERROR_STORAGE_FULL, 29},
        {ErrorCode::SessionReplaced, "SESSION_REPLACED", wire::ERROR_SESSION_REPLACED, 30},
        {ErrorCode::NotEncrypted, "NOT_ENCRYPTED", wire::ERROR_NOT_ENCRYPTED, 31},
        {ErrorCode::GroupStateConflict, "GROUP_STATE_CONFLICT", wire::ERROR_GROUP_STATE_CONFLICT,
         32},
        {ErrorCode::BadGroupChange, "BAD_GROUP_CHANGE", wire::ERROR_BAD_GROUP_CHANGE, 33},
        {ErrorCode::BadRecoveryKey, "BAD_RECOVERY_KEY", wire::ERROR_BAD_RECOVERY_KEY, 34},
        {ErrorCode::RegistrationClosed, "REGISTRATION_CLOSED", wire::ERROR_REGISTRATION_CLOSED, 35},
        {ErrorCode::BadInvite, "BAD_INVITE", wire::ERROR_BAD_INVITE, 36},
        {ErrorCode::AccountDisabled, "ACCOUNT_DISABLED", wire::ERROR_ACCOUNT_DISABLED, 37},
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
    // ACCOUNT_DISABLED is the last wire code; a new one must be added here and to ErrorCode.
    QCOMPARE(int(wire::ErrorCode_MAX), int(ErrorCode::AccountDisabled));
    QCOMPARE(int(wire::ErrorCode_MAX) + 1 < int(ErrorCode::Network), true);
    QCOMPARE(errorCodeName(ErrorCode(38)), "UNKNOWN");
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
