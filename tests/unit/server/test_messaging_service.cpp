// Messaging logic without a database: per-device order of sends behind an end-to-end check,
// STALE_DEVICES, group commit per shard, fan-out to members' devices, receipts and the group's
// lowest cursors, history pages and inbox drains. The store is a fake that answers when told.
#include "core/clock.h"
#include "services/common/device_directory.h"
#include "services/common/membership.h"
#include "services/common/revoked_devices.h"
#include "services/messaging/device_check.h"
#include "services/messaging/messaging_service.h"
#include "support/captured.h"
#include "support/fake_delivery.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;

namespace {

class FakeMessageStore final : public MessageStore {
public:
    struct SendCall {
        int shard;
        std::vector<SendRow> rows;
        Callback<std::vector<StoredSend>> cb;
    };
    struct AckCall {
        int shard;
        std::vector<AckRow> rows;
        Callback<AckOutcome> cb;
    };
    struct InboxCall {
        quint64 device, afterConv, afterSeq;
        int limit;
    };

    int shardCount() const override { return bulk >= 0 ? 3 : 2; }
    int shardOf(quint64 conv) const override { return int(conv % 2); }
    int bulkShard() const override { return bulk; }
    void storeSends(int shard, const std::vector<SendRow> &rows, qint64,
                    Callback<std::vector<StoredSend>> cb) override {
        sends.push_back({shard, rows, std::move(cb)});
    }
    void storeAcks(int shard, const std::vector<AckRow> &rows, Callback<AckOutcome> cb) override {
        acks.push_back({shard, rows, std::move(cb)});
    }
    void history(quint64, quint64, quint64, quint64, quint64, qint64 limit,
                 Callback<HistoryRows> cb) override {
        historyLimit = limit;
        cb(historyRows);
    }
    void inboxPage(quint64 device, quint64 afterConv, quint64 afterSeq, int limit, qint64,
                   Callback<std::vector<wire::Message>> cb) override {
        inboxCalls.push_back({device, afterConv, afterSeq, limit});
        std::vector<wire::Message> page;
        if (!inboxPages.empty()) {
            page = std::move(inboxPages.front());
            inboxPages.erase(inboxPages.begin());
        }
        cb(std::move(page));
    }

    //! Answers send call `i`: every row stored with seq from `firstSeq`, unless `outcomes` given.
    void store(std::size_t i, quint64 firstSeq, std::vector<StoredSend> outcomes = {}) {
        auto call = std::move(sends.at(i));
        if (outcomes.empty())
            for (std::size_t k = 0; k < call.rows.size(); ++k)
                outcomes.push_back({SendStatus::Stored, firstSeq + k, 1000 + qint64(k), false});
        call.cb(std::move(outcomes));
    }

    int bulk = -1; //!< the bulk shard (2) when set
    std::vector<SendCall> sends;
    std::vector<AckCall> acks;
    HistoryRows historyRows;
    qint64 historyLimit = 0;
    std::vector<std::vector<wire::Message>> inboxPages;
    std::vector<InboxCall> inboxCalls;
};

wire::Message message(quint64 conv, quint64 seq, std::size_t payload = 10) {
    wire::Message m;
    m.set_conversation_id(conv);
    m.set_seq(seq);
    m.set_payload(std::string(payload, 'x'));
    return m;
}

OutgoingMessage plain(quint64 conv, const QByteArray &id) {
    OutgoingMessage m;
    m.conversationId = conv;
    m.clientMessageId = id;
    m.payload = "hello";
    return m;
}

} // namespace

class TestMessagingService : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeMessageStore m_store;
    FakeDelivery m_delivery;
    QHash<quint64, QList<quint64>> m_members;      //!< conversation → users
    QHash<quint64, QList<quint64>> m_deviceLists;  //!< user → current devices
    std::vector<std::function<void()>> m_deferred; //!< device loads held back by a test
    bool m_deferDevices = false;
    std::unique_ptr<Membership> m_membership;
    std::unique_ptr<DeviceDirectory> m_directory;
    RevokedDevices m_revoked;
    std::unique_ptr<MessagingService> m_service;

    const Caller alice{1, 11, QStringLiteral("alice")};
    const Caller bob{2, 21, QStringLiteral("bob")};

    //! A service with a bulk shard (2), and conversation `conv` one member past kBulkMembers
    //! (alice and users 100...). Returns its members.
    QList<quint64> useBulkShardWithBigGroup(quint64 conv) {
        m_store.bulk = 2;
        m_service = std::make_unique<MessagingService>(m_store, *m_membership, *m_directory,
                                                       m_delivery, m_revoked, m_clock);
        QList<quint64> many{1};
        for (quint64 u = 100; u < 100 + MessagingService::kBulkMembers; ++u)
            many << u;
        m_members[conv] = many;
        return many;
    }

private slots:
    void init() {
        m_store = FakeMessageStore{};
        m_delivery = FakeDelivery{};
        m_members = {{2, {1, 2}}, {3, {1, 2}}, {4, {1, 2, 3}}};
        m_deviceLists = {{1, {11, 12}}, {2, {21}}, {3, {31}}};
        m_deferred.clear();
        m_deferDevices = false;
        m_revoked = RevokedDevices{};
        m_membership = std::make_unique<Membership>(
            [this](quint64 conv, Membership::Callback cb) { cb(m_members.value(conv)); }, 100);
        m_directory = std::make_unique<DeviceDirectory>(
            [this](const std::vector<quint64> &users,
                   std::function<void(Result<DeviceDirectory::Lists>)> cb) {
                auto answer = [this, users, cb] {
                    DeviceDirectory::Lists lists;
                    for (quint64 u : users)
                        lists.insert(u, m_deviceLists.value(u));
                    cb(lists);
                };
                if (m_deferDevices)
                    m_deferred.push_back(answer);
                else
                    answer();
            },
            100);
        m_service = std::make_unique<MessagingService>(m_store, *m_membership, *m_directory,
                                                       m_delivery, m_revoked, m_clock);
        for (auto [u, d] : {std::pair{1, 11}, {1, 12}, {2, 21}, {3, 31}})
            m_delivery.connect(quint64(u), quint64(d));
    }

    void sendsWaitForTheirShardsBatchAndGoOutTogether() {
        Captured<SendAck> a, b, c, d;
        m_service->send(alice, plain(2, "a"), a.reply()); // idle shard 0: at once
        QCOMPARE(m_store.sends.size(), std::size_t(1));
        m_service->send(alice, plain(2, "b"), b.reply());
        m_service->send(bob, plain(2, "c"), c.reply());
        QCOMPARE(m_store.sends.size(), std::size_t(1));   // wait for the batch in flight
        m_service->send(alice, plain(3, "d"), d.reply()); // shard 1 is not held back
        QCOMPARE(m_store.sends.size(), std::size_t(2));
        QCOMPARE(m_store.sends[1].shard, 1);
        m_store.store(0, 5);
        QVERIFY(a.ok());
        QCOMPARE(a.value().seq, quint64(5));
        QCOMPARE(a.value().clientMessageId, QByteArray("a"));
        QCOMPARE(m_store.sends.size(), std::size_t(3)); // b and c as one statement
        QCOMPARE(m_store.sends[2].rows.size(), std::size_t(2));
        QCOMPARE(m_store.sends[2].rows[0].clientMessageId, QByteArray("b"));
        QCOMPARE(m_store.sends[2].rows[1].userId, quint64(2));
        m_store.store(2, 6);
        QVERIFY(b.ok() && c.ok());
        QCOMPARE(c.value().seq, quint64(7));
        QCOMPARE(m_service->largestSendBatch(), std::size_t(2));
        QVERIFY(!d.answered());
    }

    void aSendQueuedBeforeItsDeviceWasRevokedIsNotStored() {
        Captured<SendAck> first, queued, other;
        m_service->send(alice, plain(2, "a"), first.reply());  // in flight
        m_service->send(alice, plain(2, "b"), queued.reply()); // waits for the batch
        m_service->send(bob, plain(2, "c"), other.reply());
        m_revoked.add(alice.deviceId, 0);
        m_store.store(0, 5); // the statement in flight committed before the revocation
        QVERIFY(first.ok());
        QCOMPARE(queued.code(), ErrorCode::BadToken);
        QCOMPARE(m_store.sends.size(), std::size_t(2));
        QCOMPARE(m_store.sends[1].rows.size(), std::size_t(1)); // only bob's
        QCOMPARE(m_store.sends[1].rows[0].clientMessageId, QByteArray("c"));
        m_store.store(1, 6);
        QVERIFY(other.ok());

        // A batch of nothing but revoked sends is not a statement, and the lane is free again.
        Captured<SendAck> late;
        m_service->send(alice, plain(2, "d"), late.reply());
        QCOMPARE(late.code(), ErrorCode::BadToken);
        QCOMPARE(m_store.sends.size(), std::size_t(2));
        Captured<SendAck> next;
        m_service->send(bob, plain(2, "e"), next.reply());
        QCOMPARE(m_store.sends.size(), std::size_t(3));
    }

    void aDevicesSendsKeepTheirOrderBehindAnEncryptionCheck() {
        m_deferDevices = true;
        OutgoingMessage e = plain(2, "e1");
        e.payload.clear();
        e.envelopes.push_back({2, 21, "cipher"});
        e.deviceDigest = DeviceDirectory::digest({{1, 12}, {2, 21}});
        Captured<SendAck> first, second, other;
        m_service->send(alice, e, first.reply());
        m_service->send(alice, plain(2, "p2"), second.reply());
        QVERIFY(m_store.sends.empty()); // the plain send waits behind the check
        m_service->send(bob, plain(3, "x"), other.reply());
        QCOMPARE(m_store.sends.size(), std::size_t(1)); // another device is not held
        QCOMPARE(m_deferred.size(), std::size_t(1));
        m_deferred.front()();
        QCOMPARE(m_store.sends.size(), std::size_t(2));
        QCOMPARE(m_store.sends[1].rows.size(), std::size_t(1));
        QCOMPARE(m_store.sends[1].rows[0].clientMessageId, QByteArray("e1"));
        QVERIFY(m_store.sends[1].rows[0].encrypted);
        m_store.store(1, 1);
        QCOMPARE(m_store.sends.size(), std::size_t(3));
        QCOMPARE(m_store.sends[2].rows[0].clientMessageId, QByteArray("p2"));
        m_store.store(2, 2);
        QVERIFY(first.ok() && second.ok());
        QVERIFY(first.value().seq < second.value().seq);
    }

    void staleDeviceSetsAreRefusedWithTheCurrentDevices() {
        auto encrypted = [](QList<DeviceRef> digestOver, std::vector<Envelope> envelopes) {
            OutgoingMessage m = plain(2, "s");
            m.envelopes = std::move(envelopes);
            m.deviceDigest = DeviceDirectory::digest(digestOver);
            return m;
        };
        // Envelopes for some devices and the right digest: fine (a group send's payload is for
        // everybody); the sender's own device is never required.
        Captured<SendAck> fine;
        m_service->send(alice, encrypted({{1, 12}, {2, 21}}, {{2, 21, "c"}}), fine.reply());
        QCOMPARE(m_store.sends.size(), std::size_t(1));
        m_store.store(0, 1);
        QVERIFY(fine.ok());

        Captured<SendAck> stale;
        m_service->send(alice, encrypted({{2, 21}}, {{2, 21, "c"}}), stale.reply());
        QCOMPARE(stale.code(), ErrorCode::StaleDevices);
        wire::StaleDevices why;
        QVERIFY(why.ParseFromArray(stale.error().staleDevices.constData(),
                                   int(stale.error().staleDevices.size())));
        QCOMPARE(why.current_size(), 2);
        QCOMPARE(why.current(0).device_id(), quint64(12));
        QCOMPARE(why.missing_size(), 1);
        QCOMPARE(why.missing(0).device_id(), quint64(12));
        QCOMPARE(why.extra_size(), 0);

        Captured<SendAck> extra;
        m_service->send(alice, encrypted({{1, 12}, {2, 21}}, {{2, 99, "c"}}), extra.reply());
        QCOMPARE(extra.code(), ErrorCode::StaleDevices);
        QVERIFY(why.ParseFromArray(extra.error().staleDevices.constData(),
                                   int(extra.error().staleDevices.size())));
        QCOMPARE(why.extra_size(), 1);
        QCOMPARE(why.extra(0).device_id(), quint64(99));

        Captured<SendAck> twice;
        m_service->send(alice, encrypted({{1, 12}, {2, 21}}, {{2, 21, "c"}, {2, 21, "d"}}),
                        twice.reply());
        QCOMPARE(twice.code(), ErrorCode::BadFrame);
        QCOMPARE(m_store.sends.size(), std::size_t(1)); // none of the refused was stored

        // A device list change is seen once the directory is told.
        m_deviceLists[2] = {21, 22};
        m_directory->invalidateUser(2);
        QVERIFY(checkDeviceSet({{1, 11}, {1, 12}, {2, 21}, {2, 22}}, 11, {{2, 21}},
                               DeviceDirectory::digest({{1, 12}, {2, 21}}))
                    .has_value());
        Captured<SendAck> again;
        m_service->send(alice, encrypted({{1, 12}, {2, 21}}, {{2, 21, "c"}}), again.reply());
        QCOMPARE(again.code(), ErrorCode::StaleDevices);
    }

    void storedMessagesReachEveryMemberDeviceButTheSendingOne() {
        Captured<SendAck> a;
        m_service->send(alice, plain(2, "a"), a.reply());
        m_store.store(0, 9);
        QCOMPARE(m_delivery.of<wire::Message>(11).size(), std::size_t(0));
        QCOMPARE(m_delivery.of<wire::Message>(12).size(), std::size_t(1)); // alice's other device
        const auto got = m_delivery.of<wire::Message>(21);
        QCOMPARE(got.size(), std::size_t(1));
        QCOMPARE(got[0].seq(), quint64(9));
        QCOMPARE(got[0].sender_device_id(), quint64(11));
        QCOMPARE(got[0].sender_username(), std::string("alice"));
        QCOMPARE(got[0].payload(), std::string("hello"));
        QVERIFY(m_delivery.of<wire::Message>(31).empty()); // not a member

        // A duplicate was pushed when it was first stored.
        Captured<SendAck> dup;
        m_service->send(alice, plain(2, "a"), dup.reply());
        m_store.store(1, 0, {{SendStatus::Stored, 9, 1000, true}});
        QVERIFY(dup.ok() && dup.value().duplicate);
        QCOMPARE(m_delivery.of<wire::Message>(21).size(), std::size_t(1));

        // An envelope-only send reaches its addressees with their own envelope; the other
        // connected member devices get it as a stub without any ciphertext (as history shows
        // it), so its seq is no hole for them to wait out.
        OutgoingMessage e = plain(3, "e");
        e.payload.clear();
        e.envelopes = {{2, 21, "for-21"}};
        e.deviceDigest = DeviceDirectory::digest({{1, 12}, {2, 21}});
        m_service->send(alice, e, Captured<SendAck>().reply());
        m_store.store(2, 1);
        QCOMPARE(m_delivery.of<wire::Message>(21).back().envelope(), std::string("for-21"));
        QCOMPARE(m_delivery.of<wire::Message>(21).back().seq(), quint64(1));
        const auto stubs = m_delivery.of<wire::Message>(12);
        QCOMPARE(stubs.size(), std::size_t(2));
        QCOMPARE(stubs.back().seq(), quint64(1));
        QVERIFY(stubs.back().envelope().empty() && stubs.back().payload().empty());
        QVERIFY(m_delivery.of<wire::Message>(11).empty()); // never to the sending device
        QVERIFY(m_delivery.of<wire::Message>(31).empty()); // nor to a non-member
        QCOMPARE(m_service->storedCount(), quint64(2));
    }

    void bigGroupsGoToTheBulkShardWhereAcksArePaced() {
        const QList<quint64> many = useBulkShardWithBigGroup(6);    // 33 members
        m_members[8] = many.mid(0, MessagingService::kBulkMembers); // 32: not big
        m_service->send(alice, plain(8, "at-limit"), Captured<SendAck>().reply());
        m_store.store(0, 1);
        m_service->send(alice, plain(8, "at-limit-2"), Captured<SendAck>().reply());
        QCOMPARE(m_store.sends.back().shard, 0); // its own shard (8 % 2), members known
        m_store.store(1, 2);
        m_store.sends.clear();
        // Not known as big yet (its members are not cached): its own shard.
        m_service->send(alice, plain(6, "g1"), Captured<SendAck>().reply());
        QCOMPARE(m_store.sends.back().shard, 0);
        m_store.store(0, 1); // stored; the fan-out loaded the members
        // Nothing of it pending: decided again, and it is big now.
        m_service->send(alice, plain(6, "g2"), Captured<SendAck>().reply());
        QCOMPARE(m_store.sends.back().shard, 2);
        m_service->send(alice, plain(2, "small"), Captured<SendAck>().reply());
        QCOMPARE(m_store.sends.back().shard, 0);

        const Caller u100{100, 1000, QStringLiteral("u100")};
        const Caller u101{101, 1010, QStringLiteral("u101")};
        m_service->ack(u100, 6, 1, 0, [](Status) {});
        QCOMPARE(m_store.acks.size(), std::size_t(1));
        QCOMPARE(m_store.acks[0].shard, 2);
        m_service->ack(u101, 6, 1, 0, [](Status) {});
        m_service->ack(u100, 6, 2, 0, [](Status) {});
        m_store.acks[0].cb(AckOutcome{});
        // The bulk shard pauses between ack batches: the waiting acks go out together later.
        QCOMPARE(m_store.acks.size(), std::size_t(1));
        QTRY_COMPARE_WITH_TIMEOUT(m_store.acks.size(), std::size_t(2), 5000);
        QCOMPARE(m_store.acks[1].shard, 2);
        QCOMPARE(m_store.acks[1].rows.size(), std::size_t(2));
        // A 1:1 conversation's acks are not paced.
        m_service->ack(bob, 2, 1, 0, [](Status) {});
        QCOMPARE(m_store.acks.back().shard, 0);
    }

    // BulkYield: while 1:1 sends are stored as fast as ever, a big group's batches follow each
    // other at once and take everything that waited; once they are stored slower, the bulk shard
    // waits between batches and takes one message at a time.
    void bigGroupsWaitWhileOneToOneSendsAreSlowedDown() {
        useBulkShardWithBigGroup(6);
        quint64 seq = 1;
        m_service->send(alice, plain(6, "g0"), Captured<SendAck>().reply());
        m_store.store(m_store.sends.size() - 1, seq++); // members cached: big from now on
        const auto oneToOne = [&](int delayMs) {
            m_service->send(alice, plain(2, "x"), Captured<SendAck>().reply());
            QCOMPARE(m_store.sends.back().shard, 0);
            if (delayMs > 0)
                QTest::qWait(delayMs);
            m_store.store(m_store.sends.size() - 1, seq++);
        };
        std::size_t first = 0;
        const auto bulkRound = [&](const char *tag) {
            m_service->send(alice, plain(6, QByteArray(tag) + "1"), Captured<SendAck>().reply());
            QCOMPARE(m_store.sends.back().shard, 2);
            first = m_store.sends.size() - 1;
            m_service->send(alice, plain(6, QByteArray(tag) + "2"), Captured<SendAck>().reply());
            m_service->send(alice, plain(6, QByteArray(tag) + "3"), Captured<SendAck>().reply());
            QCOMPARE(m_store.sends.size(), first + 1); // the two wait behind the first
            m_store.store(first, seq++);
        };
        for (int i = 0; i < 20; ++i) // a preempted sample among them fades out
            oneToOne(0);
        bulkRound("fast");
        QCOMPARE(m_store.sends.size(), first + 2); // at once, both together
        QCOMPARE(m_store.sends.back().rows.size(), std::size_t(2));
        m_store.store(first + 1, seq);
        seq += 2;
        QCOMPARE(m_service->bulkPauses(), quint64(0));

        for (int i = 0; i < 6; ++i)
            oneToOne(20);
        bulkRound("slow");
        QCOMPARE(m_store.sends.size(), first + 1); // waits
        QCOMPARE(m_service->bulkPauses(), quint64(1));
        QTRY_COMPARE_WITH_TIMEOUT(m_store.sends.size(), first + 2, 2000);
        QCOMPARE(m_store.sends.back().shard, 2);
        QCOMPARE(m_store.sends.back().rows.size(), std::size_t(1)); // one at a time
        m_store.store(first + 1, seq++);
        QTRY_COMPARE_WITH_TIMEOUT(m_store.sends.size(), first + 3, 2000);
        QCOMPARE(m_store.sends.back().rows.size(), std::size_t(1));
        QCOMPARE(m_service->bulkPauses(), quint64(2));
        // 1:1 sends are not held back meanwhile.
        oneToOne(0);
    }

    // A big group's pushes go out a slice of members per event-loop pass, each member's in the
    // order the messages were stored; a small group's at once.
    void bigGroupsArePushedInSlicesInOrder() {
        QList<quint64> many{1};
        for (quint64 u = 100; u < 200; ++u) {
            many << u;
            m_delivery.connect(u, u * 10);
        }
        m_members[6] = many;
        m_service->send(alice, plain(6, "first"), Captured<SendAck>().reply());
        m_service->send(alice, plain(6, "second"), Captured<SendAck>().reply());
        m_store.store(0, 1);
        m_store.store(1, 2);
        const auto reached = [this] {
            int n = 0;
            for (quint64 u = 100; u < 200; ++u)
                n += int(m_delivery.of<wire::Message>(u * 10).size());
            return n;
        };
        QVERIFY(reached() < 200); // not all in the pass that stored them
        QTRY_COMPARE_WITH_TIMEOUT(reached(), 200, 5000);
        for (quint64 u = 100; u < 200; ++u) {
            const auto got = m_delivery.of<wire::Message>(u * 10);
            QCOMPARE(got.at(0).seq(), quint64(1));
            QCOMPARE(got.at(1).seq(), quint64(2));
        }
        // At most kBulkMembers: every member in the same pass.
        m_members[7] = many.mid(0, MessagingService::kBulkMembers);
        m_service->send(alice, plain(7, "small"), Captured<SendAck>().reply());
        m_store.store(m_store.sends.size() - 1, 1);
        for (quint64 u = 100; u < 100 + MessagingService::kBulkMembers - 1; ++u)
            QCOMPARE(m_delivery.of<wire::Message>(u * 10).size(), std::size_t(3));
    }

    // Acks are cumulative: a device's acks of one conversation that wait behind a batch become
    // one row with the highest cursors, and every one of them is answered.
    void acksOfOneDeviceMergeWhileABatchIsInFlight() {
        int answered = 0;
        const auto count = [&answered](Status) { ++answered; };
        m_service->ack(bob, 2, 1, 0, count); // goes out at once
        m_service->ack(bob, 2, 2, 1, count);
        m_service->ack(bob, 2, 4, 2, count);
        m_service->ack(bob, 2, 3, 3, count);
        m_service->ack(bob, 2, 0, 0, {}); // fire-and-forget
        QCOMPARE(m_store.acks.size(), std::size_t(1));
        m_store.acks[0].cb(AckOutcome{});
        QCOMPARE(m_store.acks.size(), std::size_t(2));
        QCOMPARE(m_store.acks[1].rows.size(), std::size_t(1));
        QCOMPARE(m_store.acks[1].rows[0].delivered, quint64(4));
        QCOMPARE(m_store.acks[1].rows[0].read, quint64(3));
        m_store.acks[1].cb(AckOutcome{});
        QCOMPARE(answered, 4);
        // Nothing is in flight now: the next ack goes out at once.
        m_service->ack(bob, 2, 5, 0, count);
        QCOMPARE(m_store.acks.size(), std::size_t(3));
    }

    void refusalsAreTypedAndAFailedBatchFailsEveryItem() {
        Captured<SendAck> a, b, c, gone, d;
        m_service->send(alice, plain(2, "a"), a.reply());
        m_service->send(alice, plain(2, "b"), b.reply());
        m_service->send(alice, plain(2, "c"), c.reply());
        m_service->send(alice, plain(2, "gone"), gone.reply());
        m_store.store(0, 0, {{SendStatus::NotMember, 0, 0, false}});
        m_store.store(1, 0,
                      {{SendStatus::Blocked, 0, 0, false},
                       {SendStatus::NoConversation, 0, 0, false},
                       {SendStatus::NoSuchBlob, 0, 0, false}});
        QCOMPARE(a.code(), ErrorCode::NotMember);
        QCOMPARE(b.code(), ErrorCode::Forbidden);
        QCOMPARE(c.code(), ErrorCode::NoSuchConversation);
        // A blob the message names was collected: the client uploads it again and resends.
        QCOMPARE(gone.code(), ErrorCode::NoSuchBlob);
        QVERIFY(gone.error().detail.contains(QStringLiteral("upload it again")));
        QCOMPARE(m_delivery.total(), 0);
        m_service->send(alice, plain(2, "d"), d.reply());
        m_store.sends.at(2).cb(Error{ErrorCode::Internal, QStringLiteral("down")});
        QCOMPARE(d.code(), ErrorCode::Internal);
        // The shard is free again after a failed batch.
        m_service->send(alice, plain(2, "e"), Captured<SendAck>().reply());
        QCOMPARE(m_store.sends.size(), std::size_t(4));
    }

    void groupReceiptsGoToTheReaderAndTheLowestCursorsToEveryoneOnce() {
        CapturedStatus r1, r2;
        m_service->ack(alice, 4, 5, 5, r1.reply());
        m_service->ack(bob, 4, 5, 0, r2.reply()); // waits for shard 0's batch
        QCOMPARE(m_store.acks.size(), std::size_t(1));
        QCOMPARE(m_store.acks[0].rows.size(), std::size_t(1));
        auto first = std::move(m_store.acks[0].cb);
        // Alice's cursor moved, the group's lowest did not.
        first(AckOutcome{{}, {CursorMove{{4, 1, 5, 5}, true, 0, 0, false}}});
        QVERIFY(r1.ok());
        QCOMPARE(m_store.acks.size(), std::size_t(2));
        QCOMPARE(m_store.acks[1].rows[0].userId, quint64(2));
        QCOMPARE(m_store.acks[1].rows[0].delivered, quint64(5));
        QCOMPARE(m_store.acks[1].rows[0].read, quint64(0));
        m_store.acks[1].cb(AckOutcome{{},
                                      {CursorMove{{4, 2, 5, 0}, true, 5, 3, true},
                                       CursorMove{{4, 3, 5, 3}, true, 5, 3, true}}});
        QVERIFY(r2.ok());
        // Each reader's own devices learn its cursor; every member gets the lowest cursors once.
        const auto alices = m_delivery.of<wire::ReceiptPush>(12);
        QCOMPARE(alices.size(), std::size_t(2));
        QCOMPARE(alices[0].user_id(), quint64(1));
        QCOMPARE(alices[1].user_id(), quint64(0));
        QCOMPARE(alices[1].all_delivered_seq(), quint64(5));
        QCOMPARE(alices[1].all_read_seq(), quint64(3));
        const auto bobs = m_delivery.of<wire::ReceiptPush>(21);
        QCOMPARE(bobs.size(), std::size_t(2));
        QCOMPARE(bobs[0].user_id(), quint64(2));
        QCOMPARE(bobs[1].user_id(), quint64(0));
        const auto carols = m_delivery.of<wire::ReceiptPush>(31);
        QCOMPARE(carols.size(), std::size_t(2)); // her own cursor, then the aggregate
        QCOMPARE(carols[1].server_time_ms(), m_clock.nowMs());
    }

    void directReceiptsGoToBothMembersAndRefusalsAreNotMember() {
        CapturedStatus ok, refused, failed;
        m_service->ack(bob, 2, 7, 7, ok.reply());
        m_service->ack(bob, 3, 7, 0, refused.reply());
        QCOMPARE(m_store.acks.size(), std::size_t(2));
        m_store.acks[0].cb(AckOutcome{{}, {CursorMove{{2, 2, 7, 7}, false, 0, 0, false}}});
        m_store.acks[1].cb(AckOutcome{{0}, {}});
        QVERIFY(ok.ok());
        QCOMPARE(refused.code(), ErrorCode::NotMember);
        for (quint64 device : {11, 12, 21}) {
            const auto r = m_delivery.of<wire::ReceiptPush>(device);
            QCOMPARE(r.size(), std::size_t(1));
            QCOMPARE(r[0].user_id(), quint64(2));
            QCOMPARE(r[0].read_seq(), quint64(7));
        }
        QVERIFY(m_delivery.of<wire::ReceiptPush>(31).empty());
        m_service->ack(alice, 2, 8, 0, failed.reply());
        m_store.acks[2].cb(Error{ErrorCode::Internal, QStringLiteral("down")});
        QCOMPARE(failed.code(), ErrorCode::Internal);
    }

    void historyIsForMembersAndCutByCountAndBytes() {
        Captured<HistoryPage> outsider;
        m_service->history(Caller{3, 31, "carol"}, HistoryQuery{2, 0, 0, 0}, outsider.reply());
        QCOMPARE(outsider.code(), ErrorCode::NotMember);

        m_store.historyRows.messages = {message(2, 1), message(2, 2), message(2, 3)};
        m_store.historyRows.cursors = {{2, 1, 3, 3}, {2, 2, 1, 0}};
        Captured<HistoryPage> page;
        m_service->history(alice, HistoryQuery{2, 0, 0, 2}, page.reply());
        QVERIFY(page.ok());
        QCOMPARE(m_store.historyLimit, qint64(3)); // one more than asked: is there more?
        QCOMPARE(page.value().messages.size(), std::size_t(2));
        QVERIFY(page.value().hasMore);
        QCOMPARE(page.value().cursors.size(), std::size_t(2));

        Captured<HistoryPage> all;
        m_service->history(alice, HistoryQuery{2, 0, 0, 0}, all.reply());
        QCOMPARE(m_store.historyLimit, qint64(limits::kDefaultHistoryLimit) + 1);
        QCOMPARE(all.value().messages.size(), std::size_t(3));
        QVERIFY(!all.value().hasMore);

        // Past the push size the rest is the next page, even under the count.
        m_store.historyRows.messages = {message(2, 1, 700'000), message(2, 2, 700'000),
                                        message(2, 3, 10)};
        Captured<HistoryPage> big;
        m_service->history(alice, HistoryQuery{2, 0, 0, 10}, big.reply());
        QCOMPARE(big.value().messages.size(), std::size_t(2));
        QVERIFY(big.value().hasMore);
    }

    void theInboxDrainsPageByPageWhenAskedForMore() {
        std::vector<wire::Message> full;
        for (int i = 1; i <= MessagingService::kInboxPage; ++i)
            full.push_back(message(i <= 100 ? 2 : 3, quint64(i)));
        m_store.inboxPages = {full, {message(4, 1), message(4, 2)}};
        std::vector<InboxPage> pages;
        std::function<void()> more;
        m_service->drainInbox(bob, [&](Result<InboxPage> page, std::function<void()> next) {
            QVERIFY(page.ok());
            pages.push_back(*page);
            more = std::move(next);
        });
        QCOMPARE(pages.size(), std::size_t(1));
        QVERIFY(!pages[0].last);
        QVERIFY(more);
        QCOMPARE(m_store.inboxCalls.size(), std::size_t(1)); // nothing until the reader asks
        auto next = std::move(more);
        next();
        QCOMPARE(pages.size(), std::size_t(2));
        QVERIFY(pages[1].last);
        QVERIFY(!more);
        QCOMPARE(pages[1].total, quint32(MessagingService::kInboxPage + 2));
        const auto &call = m_store.inboxCalls[1];
        QCOMPARE(call.device, quint64(21));
        QCOMPARE(call.afterConv, quint64(3));
        QCOMPARE(call.afterSeq, quint64(MessagingService::kInboxPage));
    }
};

QTEST_GUILESS_MAIN(TestMessagingService)
#include "test_messaging_service.moc"
