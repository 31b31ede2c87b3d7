// SendPreparer's record of what an outbox entry was encrypted into (kept in the outbox so a
// resend repeats the same bytes): round trip, and every malformed record refused rather than
// half-read (it then falls back to encrypting the entry again).
#include "core/sync/send_preparer.h"

#include <QTest>

using tidings::client::PreparedSend;
using tidings::client::SendPreparer;
namespace wire = tidings::wire;

namespace {
wire::SendRequest request(const char *clientId, int envelopes) {
    wire::SendRequest r;
    r.set_conversation_id(42);
    r.set_client_message_id(clientId);
    r.set_device_digest(std::string(32, '\x07'));
    for (int i = 0; i < envelopes; ++i) {
        auto *e = r.add_envelopes();
        e->set_user_id(quint64(i + 1));
        e->set_device_id(1);
        e->set_payload(std::string(100 + i, char(i)));
    }
    return r;
}

PreparedSend prepared(int before) {
    PreparedSend p;
    for (int i = 0; i < before; ++i)
        p.before.append(request(QStringLiteral("m.k%1").arg(i + 1).toUtf8().constData(), 3));
    p.message = request("m", 1);
    p.message.set_payload("group ciphertext");
    return p;
}
} // namespace

class TestSendPreparer : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data() {
        QTest::addColumn<int>("before");
        QTest::newRow("message only") << 0;
        QTest::newRow("with control sends") << 3;
    }
    void roundTrip() {
        QFETCH(int, before);
        const PreparedSend in = prepared(before);
        const QByteArray bytes = SendPreparer::encodePrepared(in);
        auto out = SendPreparer::decodePrepared(bytes);
        QVERIFY(out);
        QCOMPARE(out->before.size(), before);
        for (int i = 0; i < before; ++i)
            QCOMPARE(out->before.at(i).SerializeAsString(), in.before.at(i).SerializeAsString());
        QCOMPARE(out->message.SerializeAsString(), in.message.SerializeAsString());
    }

    void malformedRefused() {
        const QByteArray good = SendPreparer::encodePrepared(prepared(2));
        QVERIFY(!SendPreparer::decodePrepared({}));
        QVERIFY(!SendPreparer::decodePrepared(good.left(3)));
        // Cut anywhere inside a record, or anything after the last one.
        for (qsizetype n : {qsizetype(4), qsizetype(8), good.size() / 2, good.size() - 1})
            QVERIFY2(!SendPreparer::decodePrepared(good.left(n)), qPrintable(QString::number(n)));
        QVERIFY(!SendPreparer::decodePrepared(good + QByteArray(1, '\0')));
        // A count of zero, or more records than any prepared send has.
        QByteArray zero = good;
        zero[0] = zero[1] = zero[2] = zero[3] = 0;
        QVERIFY(!SendPreparer::decodePrepared(zero));
        QByteArray many = good;
        many[3] = char(65);
        QVERIFY(!SendPreparer::decodePrepared(many));
        // A length that runs past the end.
        QByteArray longer = good;
        longer[4] = char(0x7f);
        QVERIFY(!SendPreparer::decodePrepared(longer));
    }
};

QTEST_GUILESS_MAIN(TestSendPreparer)
#include "test_send_preparer.moc"
