// Every id and seq a client sends is stored in a PostgreSQL bigint: the codec refuses one above
// 2^63 - 1 (BAD_FRAME, "... out of range") before it reaches a group-commit batch, where the
// database would refuse the whole batch with every other user's requests in it (issue 11:
// DeliveryAck{conversation_id = 2^64 - 4} failed an unrelated pair's acks). For each field:
// 2^63 - 1 passes, 2^63 and 2^64 - 1 are refused.
#include "codec_test_support.h"

#include <functional>

using namespace codec_test;

namespace {

constexpr quint64 kMax = quint64(std::numeric_limits<qint64>::max());

//! A client frame with one id set to `v` (the others valid), by the field's name.
using Builder = std::function<Frame(quint64 v)>;

QList<std::pair<const char *, Builder>> builders() {
    return {
        {"send conversation_id",
         [](quint64 v) {
             Frame f;
             auto *s = f.mutable_send_request();
             s->set_conversation_id(v);
             s->set_client_message_id("m");
             s->set_payload("p");
             return f;
         }},
        {"send envelope user_id",
         [](quint64 v) {
             Frame f;
             auto *s = f.mutable_send_request();
             s->set_conversation_id(1);
             s->set_client_message_id("m");
             s->set_device_digest(std::string(32, 'd'));
             auto *e = s->add_envelopes();
             e->set_user_id(v);
             e->set_device_id(1);
             e->set_payload("x");
             return f;
         }},
        {"send envelope device_id",
         [](quint64 v) {
             Frame f;
             auto *s = f.mutable_send_request();
             s->set_conversation_id(1);
             s->set_client_message_id("m");
             s->set_device_digest(std::string(32, 'd'));
             auto *e = s->add_envelopes();
             e->set_user_id(1);
             e->set_device_id(v);
             e->set_payload("x");
             return f;
         }},
        {"delivery_ack conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_delivery_ack()->set_conversation_id(v);
             f.mutable_delivery_ack()->set_seq(1);
             return f;
         }},
        {"delivery_ack seq",
         [](quint64 v) {
             Frame f;
             f.mutable_delivery_ack()->set_conversation_id(1);
             f.mutable_delivery_ack()->set_seq(v);
             return f;
         }},
        {"read_ack conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_read_ack()->set_conversation_id(v);
             f.mutable_read_ack()->set_seq(1);
             return f;
         }},
        {"read_ack seq",
         [](quint64 v) {
             Frame f;
             f.mutable_read_ack()->set_conversation_id(1);
             f.mutable_read_ack()->set_seq(v);
             return f;
         }},
        {"history conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_history_request()->set_conversation_id(v);
             return f;
         }},
        {"history after_seq",
         [](quint64 v) {
             Frame f;
             f.mutable_history_request()->set_conversation_id(1);
             f.mutable_history_request()->set_after_seq(v);
             return f;
         }},
        {"history until_seq",
         [](quint64 v) {
             Frame f;
             f.mutable_history_request()->set_conversation_id(1);
             f.mutable_history_request()->set_until_seq(v);
             return f;
         }},
        {"group change conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_group_change_request()->set_conversation_id(v);
             f.mutable_group_change_request()->set_action(wire::GroupChangeRequest::ACTION_LEAVE);
             return f;
         }},
        {"group info conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_group_info_request()->set_conversation_id(v);
             return f;
         }},
        {"readers conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_readers_request()->set_conversation_id(v);
             f.mutable_readers_request()->set_seq(1);
             return f;
         }},
        {"readers seq",
         [](quint64 v) {
             Frame f;
             f.mutable_readers_request()->set_conversation_id(1);
             f.mutable_readers_request()->set_seq(v);
             return f;
         }},
        {"revoke device_id",
         [](quint64 v) {
             Frame f;
             f.mutable_revoke_device_request()->set_device_id(v);
             return f;
         }},
        {"typing conversation_id",
         [](quint64 v) {
             Frame f;
             f.mutable_typing_request()->set_conversation_id(v);
             return f;
         }},
        {"device list user_id",
         [](quint64 v) {
             Frame f;
             f.mutable_device_list_request()->set_user_id(v);
             return f;
         }},
        {"fetch bundles user_id",
         [](quint64 v) {
             Frame f;
             f.mutable_fetch_bundles_request()->set_user_id(v);
             return f;
         }},
        {"fetch bundles device id",
         [](quint64 v) {
             Frame f;
             f.mutable_fetch_bundles_request()->set_user_id(1);
             f.mutable_fetch_bundles_request()->add_device_ids(2);
             f.mutable_fetch_bundles_request()->add_device_ids(v);
             return f;
         }},
        {"link relay device_id",
         [](quint64 v) {
             Frame f;
             f.mutable_link_relay_request()->set_device_id(v);
             f.mutable_link_relay_request()->set_blob("b");
             return f;
         }},
    };
}

} // namespace

class TestCodecRanges : public QObject {
    Q_OBJECT
private slots:
    void idsAboveBigintAreRefusedAlone_data() {
        QTest::addColumn<QByteArray>("wire");
        QTest::addColumn<bool>("accepted");
        for (const auto &[name, build] : builders()) {
            for (const quint64 v : {quint64(1), kMax, kMax + 1, quint64(-4), quint64(-1)}) {
                Frame f = build(v);
                f.set_request_id(7);
                const QByteArray row = QByteArray(name) + " = " + QByteArray::number(v);
                QTest::newRow(row.constData()) << encode(f) << (v <= kMax);
            }
        }
    }
    void idsAboveBigintAreRefusedAlone() {
        QFETCH(QByteArray, wire);
        QFETCH(bool, accepted);
        const auto decoded = protocol::decodeClientFrame(wire);
        if (accepted) {
            QVERIFY2(decoded.ok(), qPrintable(decoded ? QString() : decoded.error().toString()));
            return;
        }
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error().code, ErrorCode::BadFrame);
        QVERIFY2(decoded.error().detail.endsWith(QStringLiteral("out of range")),
                 qPrintable(decoded.error().detail));
    }
};

QTEST_GUILESS_MAIN(TestCodecRanges)
#include "test_codec_ranges.moc"
