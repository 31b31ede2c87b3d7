// The media parts of the wire: sends that name the blobs their encrypted payload points to
// (count and spelling of the ids), the media token exchange, and the media error codes.
#include "codec_test_support.h"

using namespace codec_test;
using tidings::testing::sampleBlobId;
using tidings::testing::sampleSendWithAttachments;

class TestCodecMedia : public QObject {
    Q_OBJECT
private slots:
    void sendWithAttachmentsRoundTrips() {
        const Frame f = sampleSendWithAttachments();
        const auto r = protocol::decodeClientFrame(encode(f));
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->send_request().attachment_blob_ids_size(), 2);
        QCOMPARE(r->send_request().attachment_blob_ids(0), sampleBlobId('a'));
        QCOMPARE(encode(*r), encode(f));
    }

    void attachmentLimits_data() {
        QTest::addColumn<QList<QByteArray>>("ids");
        QTest::addColumn<ErrorCode>("expected");
        const QByteArray good = QByteArray::fromStdString(sampleBlobId('c'));
        QList<QByteArray> max;
        for (int i = 0; i < limits::kMaxAttachmentsPerSend; ++i)
            max << good;
        QTest::newRow("32 ids") << max << ErrorCode::None;
        QTest::newRow("33 ids") << (max + QList<QByteArray>{good}) << ErrorCode::TooLarge;
        QTest::newRow("the same id twice") << QList<QByteArray>{good, good} << ErrorCode::None;
        QTest::newRow("empty id") << QList<QByteArray>{QByteArray()} << ErrorCode::BadFrame;
        QTest::newRow("63 digits") << QList<QByteArray>{good.chopped(1)} << ErrorCode::BadFrame;
        QTest::newRow("65 digits") << QList<QByteArray>{good + "0"} << ErrorCode::BadFrame;
        QTest::newRow("upper case") << QList<QByteArray>{good.toUpper()} << ErrorCode::BadFrame;
        QTest::newRow("not hex") << QList<QByteArray>{good.chopped(1) + "g"} << ErrorCode::BadFrame;
        QTest::newRow("traversal")
            << QList<QByteArray>{"../" + good.chopped(3)} << ErrorCode::BadFrame;
        QTest::newRow("NUL") << QList<QByteArray>{good.chopped(1) + QByteArray(1, '\0')}
                             << ErrorCode::BadFrame;
    }
    void attachmentLimits() {
        QFETCH(QList<QByteArray>, ids);
        QFETCH(ErrorCode, expected);
        Frame f = sampleSendWithAttachments();
        auto *s = f.mutable_send_request();
        s->clear_attachment_blob_ids();
        for (const auto &id : ids)
            s->add_attachment_blob_ids(id.toStdString());
        const auto r = protocol::decodeClientFrame(encode(f));
        QCOMPARE(r.ok() ? ErrorCode::None : r.error().code, expected);
    }

    void mediaTokenRequestHasNoFields() {
        Frame f;
        f.set_request_id(5);
        f.mutable_media_token_request();
        const auto r = protocol::decodeClientFrame(encode(f));
        QVERIFY(r.ok());
        QCOMPARE(r->body_case(), Frame::kMediaTokenRequest);
        // A server never sends it, a client never sends the response.
        QCOMPARE(protocol::decodeServerFrame(encode(f)).error().code, ErrorCode::UnknownFrame);
        Frame response;
        response.mutable_media_token_response()->set_token("t");
        response.mutable_media_token_response()->set_chunk_bytes(1);
        QCOMPARE(protocol::decodeClientFrame(encode(response)).error().code,
                 ErrorCode::UnknownFrame);
    }

    void mediaTokenResponseLimits_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<uint>("chunk");
        QTest::addColumn<ErrorCode>("expected");
        QTest::newRow("ok") << QByteArray(76, 'x') << 4194304u << ErrorCode::None;
        QTest::newRow("512 bytes") << QByteArray(512, 'x') << 1u << ErrorCode::None;
        QTest::newRow("513 bytes") << QByteArray(513, 'x') << 1u << ErrorCode::TooLarge;
        QTest::newRow("no token") << QByteArray() << 1u << ErrorCode::BadFrame;
        QTest::newRow("space") << QByteArray("ab cd") << 1u << ErrorCode::BadFrame;
        QTest::newRow("newline") << QByteArray("ab\r\nX: y") << 1u << ErrorCode::BadFrame;
        QTest::newRow("no chunk size") << QByteArray("abc") << 0u << ErrorCode::BadFrame;
    }
    void mediaTokenResponseLimits() {
        QFETCH(QByteArray, token);
        QFETCH(uint, chunk);
        QFETCH(ErrorCode, expected);
        Frame f;
        f.set_request_id(6);
        auto *m = f.mutable_media_token_response();
        m->set_token(token.toStdString());
        m->set_chunk_bytes(chunk);
        m->set_expires_at_ms(1);
        const auto r = protocol::decodeServerFrame(encode(f));
        QCOMPARE(r.ok() ? ErrorCode::None : r.error().code, expected);
    }

    void mediaErrorsRoundTrip() {
        for (auto code :
             {ErrorCode::NoSuchBlob, ErrorCode::OffsetMismatch, ErrorCode::HashMismatch,
              ErrorCode::UploadIncomplete, ErrorCode::QuotaExceeded, ErrorCode::StorageFull}) {
            const auto r = protocol::decodeServerFrame(
                encode(protocol::makeError(3, code, QStringLiteral("detail"))));
            QVERIFY(r.ok());
            QCOMPARE(protocol::errorFromFrame(*r).code, code);
        }
    }
};

int main(int argc, char **argv) {
    google::protobuf::SetLogHandler(&countProtobufLog);
    TestCodecMedia test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_codec_media.moc"
