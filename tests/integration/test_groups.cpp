// Groups against the real server: creation and system events, authorization (admins only,
// non-members and removed members refused, nothing stored), joins see only later messages,
// automatic admin hand-over, one identical order for concurrent senders, readers and group ticks.
#include "support/integration_fixture.h"

#include <QTest>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;
using A = wire::GroupChangeRequest;

class TestGroups : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    std::unique_ptr<RawClient> user(const QString &name) { return m_fx.registerUser(name); }
    QString name(const char *base) { return m_fx.uniqueName(QLatin1String(base)); }
    QString sql(const QString &q) { return m_fx.sql(q); }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void createSendAndSystemEvents() {
        const QString b = name("bob"), c = name("carol");
        auto alice = user(name("alice"));
        auto bob = user(b);
        auto carol = user(c);
        std::optional<F> resp;
        const quint64 g = alice->createGroup("Hikers", {b, c}, &resp);
        QVERIFY(g);
        const auto &info = resp->conversation_info();
        QCOMPARE(info.kind(), wire::CONVERSATION_GROUP);
        QCOMPARE(info.name(), std::string("Hikers"));
        QCOMPARE(info.members_size(), 3);
        for (const auto &m : info.members())
            QCOMPARE(m.role(), m.user_id() == alice->userId ? wire::ROLE_ADMIN : wire::ROLE_MEMBER);
        // Everyone gets the creation as seq 1.
        QVERIFY(bob->waitMessages(1) && carol->waitMessages(1));
        const auto created = bob->messagesIn(g).front();
        QCOMPARE(created.seq(), quint64(1));
        QCOMPARE(created.system_event().kind(), wire::SystemEvent::KIND_CREATED);
        QCOMPARE(created.system_event().name(), std::string("Hikers"));
        QCOMPARE(created.system_event().actor_user_id(), alice->userId);

        QCOMPARE(alice->send(g, "g-1", "hello group")->send_ack().seq(), quint64(2));
        QVERIFY(waitFor([&] { return carol->messagesIn(g).size() >= 2; }));
        QCOMPARE(carol->messagesIn(g)[1].payload(), std::string("hello group"));

        QVERIFY(alice->groupChange(g, A::ACTION_RENAME, {}, "Hikers 2026")->has_ok());
        QVERIFY(waitFor([&] { return bob->messagesIn(g).size() >= 3; }));
        QCOMPARE(bob->messagesIn(g)[2].system_event().kind(), wire::SystemEvent::KIND_RENAMED);
        F infoReq;
        infoReq.mutable_group_info_request()->set_conversation_id(g);
        QCOMPARE(bob->request(infoReq)->conversation_info().name(), std::string("Hikers 2026"));
    }

    void onlyAdminsChangeAndOutsidersStoreNothing() {
        const QString b = name("bob"), c = name("carol"), d = name("dave");
        auto alice = user(name("alice"));
        auto bob = user(b);
        auto carol = user(c);
        auto dave = user(d);
        auto mallory = user(name("mallory"));
        const quint64 g = alice->createGroup("Club", {b, c});
        QVERIFY(g);
        const QString members =
            QStringLiteral("SELECT count(*) FROM members WHERE conversation_id = %1").arg(g);
        const QString msgs =
            QStringLiteral("SELECT count(*) FROM messages WHERE conversation_id = %1").arg(g);
        QCOMPARE(sql(members), QString("3"));
        const QString before = sql(msgs);

        QCOMPARE(errorCode(bob->groupChange(g, A::ACTION_ADD, d)), wire::ERROR_NOT_ADMIN);
        QCOMPARE(errorCode(bob->groupChange(g, A::ACTION_REMOVE, c)), wire::ERROR_NOT_ADMIN);
        QCOMPARE(errorCode(bob->groupChange(g, A::ACTION_PROMOTE, b)), wire::ERROR_NOT_ADMIN);
        QCOMPARE(errorCode(bob->groupChange(g, A::ACTION_RENAME, {}, "Mine")),
                 wire::ERROR_NOT_ADMIN);
        QCOMPARE(errorCode(mallory->groupChange(g, A::ACTION_ADD, d)), wire::ERROR_NOT_MEMBER);
        QCOMPARE(errorCode(mallory->send(g, "evil")), wire::ERROR_NOT_MEMBER);
        QCOMPARE(errorCode(alice->groupChange(g, A::ACTION_REMOVE, d)), wire::ERROR_NOT_MEMBER);
        QCOMPARE(errorCode(alice->groupChange(g, A::ACTION_ADD, "nosuchuser99")),
                 wire::ERROR_NO_SUCH_USER);
        QCOMPARE(sql(members), QString("3"));
        QCOMPARE(sql(msgs), before);

        // Removed: gets its own removal event, then nothing; cannot send or read history.
        QVERIFY(alice->groupChange(g, A::ACTION_REMOVE, c)->has_ok());
        QVERIFY(waitFor([&] {
            return !carol->messagesIn(g, true).empty() &&
                   carol->messagesIn(g, true).back().system_event().kind() ==
                       wire::SystemEvent::KIND_MEMBER_REMOVED;
        }));
        const size_t carolHad = carol->messages.size();
        QVERIFY(alice->send(g, "after-removal")->has_send_ack());
        QVERIFY(waitFor([&] { return bob->messagesIn(g).size() >= 3; }));
        QCOMPARE(errorCode(carol->send(g, "still-here")), wire::ERROR_NOT_MEMBER);
        F hist;
        hist.mutable_history_request()->set_conversation_id(g);
        QCOMPARE(errorCode(carol->request(hist)), wire::ERROR_NOT_MEMBER);
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM inbox WHERE device_id = %1 AND "
                                    "conversation_id = %2 AND seq >= 2")
                         .arg(carol->deviceId)
                         .arg(g)),
                 QString("1")); // only the removal event
        // Nothing was pushed to carol either: added back, her "added" event comes in right behind
        // her removal (a group's pushes keep their order), without the message sent in between.
        QVERIFY(alice->groupChange(g, A::ACTION_ADD, c)->has_ok());
        QVERIFY(waitFor([&] { return carol->messages.size() > carolHad; }));
        QCOMPARE(carol->messages.size(), carolHad + 1);
        QCOMPARE(carol->messages.back().system_event().kind(),
                 wire::SystemEvent::KIND_MEMBER_ADDED);
        QCOMPARE(carol->messages.back().system_event().target_user_id(), carol->userId);

        // Added later: sees its own "added" event and what follows, not the earlier history.
        QVERIFY(alice->groupChange(g, A::ACTION_ADD, d)->has_ok());
        QVERIFY(dave->waitMessages(1));
        QCOMPARE(dave->messages[0].system_event().kind(), wire::SystemEvent::KIND_MEMBER_ADDED);
        QCOMPARE(dave->messages[0].system_event().target_user_id(), dave->userId);
        QVERIFY(alice->send(g, "welcome")->has_send_ack());
        QVERIFY(dave->waitMessages(2));
        auto h = dave->request(hist);
        QCOMPARE(h->history_response().messages_size(), 2);
        QVERIFY(h->history_response().messages(0).has_system_event());

        // 1:1 conversations are not groups.
        const quint64 direct = alice->openDirect(b);
        QCOMPARE(errorCode(alice->groupChange(direct, A::ACTION_ADD, d)), wire::ERROR_NOT_A_GROUP);
    }

    void adminsAndLeaving() {
        const QString b = name("bob"), c = name("carol");
        auto alice = user(name("alice"));
        auto bob = user(b);
        auto carol = user(c);
        const quint64 g = alice->createGroup("Admins", {b, c});
        QVERIFY(alice->groupChange(g, A::ACTION_PROMOTE, b)->has_ok());
        QVERIFY(bob->groupChange(g, A::ACTION_RENAME, {}, "By Bob")->has_ok());
        QVERIFY(bob->groupChange(g, A::ACTION_DEMOTE, b)->has_ok()); // alice is still admin
        QCOMPARE(errorCode(bob->groupChange(g, A::ACTION_RENAME, {}, "Nope")),
                 wire::ERROR_NOT_ADMIN);
        QCOMPARE(errorCode(alice->groupChange(g, A::ACTION_DEMOTE, QString())),
                 wire::ERROR_INVALID_USERNAME); // username required
        // The last admin leaves: the longest-standing member becomes admin.
        QVERIFY(alice->groupChange(g, A::ACTION_LEAVE)->has_ok());
        QVERIFY(waitFor([&] {
            for (const auto &m : carol->messagesIn(g, true))
                if (m.system_event().kind() == wire::SystemEvent::KIND_ADMIN_GRANTED &&
                    m.system_event().actor_user_id() == 0)
                    return true;
            return false;
        }));
        QVERIFY(bob->groupChange(g, A::ACTION_RENAME, {}, "Bob's now")->has_ok());
        // Removing oneself is leaving: the admin hand-over applies too.
        QVERIFY(bob->groupChange(g, A::ACTION_REMOVE, b)->has_ok());
        QVERIFY(waitFor([&] {
            const auto events = carol->messagesIn(g, true);
            return !events.empty() &&
                   events.back().system_event().kind() == wire::SystemEvent::KIND_ADMIN_GRANTED &&
                   events.back().system_event().target_user_id() == carol->userId;
        }));
        QVERIFY(carol->groupChange(g, A::ACTION_RENAME, {}, "Carol's")->has_ok());
        QVERIFY(waitFor([&] {
            return carol->messagesIn(g, true).back().system_event().kind() ==
                   wire::SystemEvent::KIND_RENAMED;
        }));
        QCOMPARE(errorCode(alice->send(g, "gone")), wire::ERROR_NOT_MEMBER);
        // Every member saw the same events in the same order (bob until he left).
        const auto eb = bob->messagesIn(g, true), ec = carol->messagesIn(g, true);
        QVERIFY(ec.size() > eb.size());
        for (size_t i = 0; i < eb.size(); ++i)
            QCOMPARE(eb[i].seq(), ec[i].seq());
    }

    void readersAndGroupTicks() {
        const QString b = name("bob"), c = name("carol"), d = name("dave");
        auto alice = user(name("alice"));
        auto bob = user(b);
        auto carol = user(c);
        auto dave = user(d);
        const quint64 g = alice->createGroup("Ticks", {b, c, d});
        const quint64 seq = alice->send(g, "tick-me")->send_ack().seq();
        QVERIFY(bob->waitMessages(2) && carol->waitMessages(2) && dave->waitMessages(2));
        QVERIFY(bob->ackReadAndWait(g, seq)->has_ok());
        QVERIFY(carol->ackDeliveredAndWait(g, seq)->has_ok());
        F rr;
        rr.mutable_readers_request()->set_conversation_id(g);
        rr.mutable_readers_request()->set_seq(seq);
        auto r = alice->request(rr);
        QVERIFY(r && r->has_readers_response());
        QCOMPARE(r->readers_response().recipients(), 3u);
        QCOMPARE(r->readers_response().delivered(), 2u);
        QCOMPARE(r->readers_response().read(), 1u);
        // Blue only when everyone read: the lowest cursor reaches the message.
        alice->pushes.clear();
        carol->ackRead(g, seq);
        dave->ackRead(g, seq);
        QVERIFY(waitFor([&] {
            for (const auto &p : alice->pushes)
                if (p.has_receipt_push() && p.receipt_push().all_read_seq() >= seq)
                    return true;
            return false;
        }));
    }

    void concurrentSendersOneOrder() {
        QStringList names;
        std::vector<std::unique_ptr<RawClient>> members;
        for (int i = 0; i < 5; ++i) {
            names << name("m");
            members.push_back(user(names.last()));
        }
        const quint64 g = members[0]->createGroup("Race", names.mid(1));
        QVERIFY(g);
        for (int round = 0; round < 40; ++round)
            for (size_t i = 0; i < members.size(); ++i) {
                F f;
                f.set_request_id(100000 + round);
                f.mutable_send_request()->set_conversation_id(g);
                f.mutable_send_request()->set_client_message_id(
                    QStringLiteral("%1-%2").arg(i).arg(round).toStdString());
                f.mutable_send_request()->set_payload("x");
                members[i]->sendFrame(f);
            }
        // Each member sees the 160 messages of the others (plus the creation event).
        for (auto &m : members)
            QVERIFY(waitFor([&] { return m->messagesIn(g).size() >= 161; }, 60000));
        QCOMPARE(sql(QStringLiteral("SELECT count(*) || ',' || max(seq) FROM messages WHERE "
                                    "conversation_id = %1")
                         .arg(g)),
                 QString("201,201"));
        // The seq -> message mapping is the same for everyone.
        std::map<quint64, std::string> order;
        for (auto &m : members)
            for (const auto &msg : m->messagesIn(g)) {
                auto [it, inserted] = order.emplace(msg.seq(), msg.client_message_id());
                QCOMPARE(it->second, msg.client_message_id());
            }
    }

    void fiveHundredMembers() {
        // 500 members: 250 connected, 249 offline. One message reaches every one of them.
        QStringList names;
        std::vector<std::unique_ptr<RawClient>> online;
        std::vector<QByteArray> offlineTokens;
        auto creator = user(name("big"));
        for (int i = 0; i < 499; ++i) {
            names << name("member");
            auto c = user(names.last());
            QVERIFY(c);
            if (i < 250) {
                online.push_back(std::move(c));
            } else {
                offlineTokens.push_back(c->token);
            }
        }
        std::optional<F> resp;
        const quint64 g = creator->createGroup("Five hundred", names, &resp);
        QVERIFY2(g, resp && resp->has_error() ? resp->error().detail().c_str() : "no response");
        QCOMPARE(resp->conversation_info().members_size(), 500);
        auto extra = user(name("extra"));
        QVERIFY(extra);
        QCOMPARE(errorCode(creator->groupChange(g, A::ACTION_ADD, extra->username)),
                 wire::ERROR_GROUP_FULL);
        QCOMPARE(errorCode(creator->groupChange(g, A::ACTION_ADD, extra->username)),
                 wire::ERROR_GROUP_FULL);
        QVERIFY(creator->send(g, "to-all", "hello 499")->has_send_ack());
        for (auto &c : online)
            QVERIFY(waitFor([&] { return c->messagesIn(g).size() >= 2; }, 60000));
        // Fan-out on read: the message is one row; no member has an inbox row for it.
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM inbox WHERE conversation_id = %1 AND "
                                    "seq = 2")
                         .arg(g)),
                 QString("0"));
        int reached = 0;
        for (const auto &t : offlineTokens) {
            auto c = m_fx.reconnect(t);
            QVERIFY(c);
            QVERIFY(c->waitMessages(2));
            reached += c->messagesIn(g).back().payload() == "hello 499" ? 1 : 0;
        }
        QCOMPARE(reached, 249);
    }

    // A group's backlog for a device is every message past its delivered cursor that it may see
    // (fan-out on read, no inbox rows), merged with its 1:1 inbox in (conversation, seq) order:
    // each message once, in order; after an ack only what is past it; a member added later sees
    // only what follows its joining; a removed member still gets what was sent while it was one.
    void offlineDevicesDrainGroupsByCursor() {
        const QString b = name("bob"), c = name("carol"), d = name("dave"), e = name("erin");
        auto alice = user(name("alice"));
        auto bob = user(b);
        auto carol = user(c);
        auto dave = user(d);
        auto erin = user(e);
        const quint64 direct = alice->openDirect(c);
        QVERIFY(direct);
        const quint64 g = alice->createGroup("Cursors", {b, c, d});
        QVERIFY(g);
        QVERIFY(carol->waitMessages(1) && dave->waitMessages(1));
        QVERIFY(carol->ackDeliveredAndWait(g, 1)->has_ok());
        QVERIFY(dave->ackDeliveredAndWait(g, 1)->has_ok());
        const QByteArray carolToken = carol->token, daveToken = dave->token,
                         erinToken = erin->token;
        carol.reset();
        dave.reset();
        erin.reset();

        for (int i = 1; i <= 3; ++i)
            QVERIFY(alice->send(g, QStringLiteral("g-%1").arg(i), "m" + QByteArray::number(i))
                        ->has_send_ack());
        QVERIFY(alice->send(direct, "d-1", "direct")->has_send_ack());
        // Only events (the creation) have inbox rows in the group.
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM inbox i JOIN messages m ON "
                                    "m.conversation_id = i.conversation_id AND m.seq = i.seq "
                                    "WHERE i.conversation_id = %1 AND m.event_kind IS NULL")
                         .arg(g)),
                 QString("0"));
        QVERIFY(alice->groupChange(g, A::ACTION_REMOVE, d)->has_ok()); // seq 5
        QVERIFY(alice->groupChange(g, A::ACTION_ADD, e)->has_ok());    // seq 6
        QVERIFY(alice->send(g, "g-4", "m4")->has_send_ack());          // seq 7

        auto payloads = [](const std::vector<wire::Message> &ms, quint64 conv) {
            QStringList out;
            for (const auto &m : ms)
                if (m.conversation_id() == conv)
                    out << (m.has_system_event()
                                ? QStringLiteral("event%1").arg(int(m.system_event().kind()))
                                : QString::fromStdString(m.payload()));
            return out;
        };
        // carol: the group past her cursor (seq 1) and the 1:1, each once, in order.
        auto carol2 = m_fx.reconnect(carolToken);
        QVERIFY(carol2 && carol2->waitDrained());
        QCOMPARE(payloads(carol2->messages, g),
                 (QStringList{"m1", "m2", "m3", "event2", "event1", "m4"}));
        QCOMPARE(payloads(carol2->messages, direct), QStringList{"direct"});
        QCOMPARE(int(carol2->messages.size()), 7);
        QCOMPARE(carol2->waitPush(F::kInboxDrained)->inbox_drained().count(), 7u);
        // She acks up to m3 and comes back: only what is past it.
        QVERIFY(carol2->ackDeliveredAndWait(g, 4)->has_ok());
        QVERIFY(
            carol2->ackDeliveredAndWait(direct, carol2->messagesIn(direct).back().seq())->has_ok());
        carol2.reset();
        auto carol3 = m_fx.reconnect(carolToken);
        QVERIFY(carol3 && carol3->waitDrained());
        QCOMPARE(payloads(carol3->messages, g), (QStringList{"event2", "event1", "m4"}));
        QVERIFY(carol3->messagesIn(direct).empty());

        // dave was removed while offline: he still gets what was sent while he was a member,
        // and the event of his removal, and nothing after.
        auto dave2 = m_fx.reconnect(daveToken);
        QVERIFY(dave2 && dave2->waitDrained());
        QCOMPARE(payloads(dave2->messages, g), (QStringList{"m1", "m2", "m3", "event2"}));

        // erin was added while offline: her "added" event onwards.
        auto erin2 = m_fx.reconnect(erinToken);
        QVERIFY(erin2 && erin2->waitDrained());
        QCOMPARE(payloads(erin2->messages, g), (QStringList{"event1", "m4"}));

        // A device linked after the messages gets none of them (they were not encrypted to it).
        auto bobLater = m_fx.newDevice(b);
        QVERIFY(bobLater && bobLater->waitDrained());
        QVERIFY(bobLater->messagesIn(g).empty());
    }
};

QTEST_GUILESS_MAIN(TestGroups)
#include "test_groups.moc"
