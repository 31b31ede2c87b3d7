// Issue 14: three tidingsd nodes on one PostgreSQL, routed over a cluster of three NATS servers,
// behind HAProxy. Devices on different nodes talk 1:1 and in a 500-member group (in order,
// exactly once), see each other's presence and typing, get read receipts; a device connected to
// two nodes keeps one live connection; a membership change made on one node is known on the
// others at once.
#include "support/cluster_harness.h"
#include "support/raw_client.h"

#include <QTest>

#include <set>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

namespace {

//! Whether `messages` (one conversation, seq order, duplicates dropped) are exactly the payloads
//! `expected` in that order; the reason otherwise.
QString sameInOrder(const std::vector<wire::Message> &messages, const QStringList &expected) {
    QStringList got;
    for (const auto &m : messages)
        got << QString::fromStdString(m.payload());
    if (got == expected)
        return {};
    return QStringLiteral("got %1 messages, expected %2; first got: %3")
        .arg(got.size())
        .arg(expected.size())
        .arg(got.mid(0, 5).join(QLatin1Char(',')));
}

//! Messages of `conv` that arrived more than once (same seq). At-least-once delivery: a device's
//! inbox is drained again shortly after it connects (a push may have gone along its old route),
//! and this test's clients never acknowledge, so what they hold comes again; clients drop it by
//! seq. What the user sees is messagesIn(): one per seq.
int duplicatesIn(const RawClient &c, quint64 conv) {
    std::multiset<quint64> seqs;
    for (const auto &m : c.messages)
        if (m.conversation_id() == conv)
            seqs.insert(m.seq());
    int dups = 0;
    for (auto it = seqs.begin(); it != seqs.end(); it = seqs.upper_bound(*it))
        dups += int(seqs.count(*it)) - 1;
    return dups;
}

} // namespace

class TestCluster : public QObject {
    Q_OBJECT
    std::unique_ptr<ClusterHarness> m_cluster;
    int m_names = 0;

    QString name(const char *base) { return QStringLiteral("%1%2").arg(base).arg(++m_names); }
    //! A new user whose device is connected to `node` directly (-1: through HAProxy).
    std::unique_ptr<RawClient> user(const QString &username, int node) {
        return RawClient::registered(node < 0 ? m_cluster->url() : m_cluster->nodeUrl(node),
                                     username);
    }
    static std::optional<F> contact(RawClient &c, const QString &who) {
        F f;
        f.mutable_contact_request()->set_action(wire::ContactRequest::ACTION_ADD);
        f.mutable_contact_request()->set_username(who.toStdString());
        return c.request(f);
    }
    static std::optional<F> subscribePresence(RawClient &c, const QString &who) {
        F f;
        f.mutable_presence_subscribe_request()->add_usernames(who.toStdString());
        return c.request(f);
    }
    //! The latest presence push about `userId` that `c` got, if any.
    static std::optional<wire::Presence> lastPresence(const RawClient &c, quint64 userId) {
        std::optional<wire::Presence> out;
        for (const F &f : c.pushes)
            if (f.has_presence_push() && f.presence_push().presence().user_id() == userId)
                out = f.presence_push().presence();
        return out;
    }

private slots:
    void initTestCase() {
        if (const QString missing = ClusterHarness::missingTools(); !missing.isEmpty())
            QSKIP(qPrintable(QStringLiteral("needs ") + missing));
        m_cluster = std::make_unique<ClusterHarness>(ClusterHarness::Options{});
        const QString e = m_cluster->start();
        QVERIFY2(e.isEmpty(), qPrintable(e));
    }

    void oneToOneAcrossNodes() {
        const QString an = name("ann"), bn = name("bob");
        auto a = user(an, 0);
        auto b = user(bn, 1);
        QVERIFY(a && b);
        const quint64 conv = a->openDirect(bn);
        QVERIFY(conv);
        QStringList sent;
        for (int i = 0; i < 200; ++i) {
            sent << QStringLiteral("m%1").arg(i);
            const auto r = a->send(conv, QStringLiteral("c%1").arg(i), sent.last().toUtf8());
            QVERIFY(r && r->has_send_ack());
        }
        QVERIFY2(waitFor([&] { return b->messagesIn(conv).size() >= 200; }),
                 qPrintable(m_cluster->logTail("node-1")));
        const QString diff = sameInOrder(b->messagesIn(conv), sent);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        qInfo("%d of 200 pushes came twice", duplicatesIn(*b, conv));
        // And back, from node 1 to node 0.
        QVERIFY(b->send(conv, "back", "reply")->has_send_ack());
        QVERIFY(waitFor([&] { return a->messagesIn(conv).size() == 1; }));
        QCOMPARE(a->messagesIn(conv).front().payload(), std::string("reply"));
    }

    void groupOf500AcrossNodes() {
        // 500 members: 60 connected, 20 to each node; the others registered and offline.
        const QString owner = name("owner");
        auto o = user(owner, 0);
        QVERIFY(o);
        QStringList members;
        std::vector<std::unique_ptr<RawClient>> online;
        QByteArray offlineToken;
        for (int i = 0; i < 499; ++i) {
            const QString n = name("mem");
            members << n;
            auto c = user(n, i < 60 ? i % 3 : 0);
            QVERIFY2(c, qPrintable(n));
            if (i < 60)
                online.push_back(std::move(c));
            else
                offlineToken = c->token;
        }
        std::optional<F> created;
        const quint64 conv = o->createGroup(QStringLiteral("five hundred"), members, &created);
        QVERIFY2(conv, created ? created->DebugString().c_str() : "no answer");
        QStringList sent;
        for (int i = 0; i < 20; ++i) {
            sent << QStringLiteral("g%1").arg(i);
            const auto r = o->send(conv, QStringLiteral("g%1").arg(i), sent.last().toUtf8());
            QVERIFY(r && r->has_send_ack());
        }
        auto payloads = [](const std::vector<wire::Message> &all) {
            std::vector<wire::Message> out;
            for (const auto &m : all)
                if (!m.payload().empty() && !m.has_system_event())
                    out.push_back(m);
            return out;
        };
        int redelivered = 0;
        for (const auto &c : online) {
            QVERIFY2(waitFor([&] { return payloads(c->messagesIn(conv)).size() >= 20; }),
                     qPrintable(c->username));
            const QString diff = sameInOrder(payloads(c->messagesIn(conv)), sent);
            QVERIFY2(diff.isEmpty(), qPrintable(c->username + ": " + diff));
            redelivered += duplicatesIn(*c, conv);
        }
        qInfo("%d of %d pushes to the 60 connected members came twice (drained again)", redelivered,
              60 * 20);
        // An offline member's device connects through the balancer, to whichever node, and
        // drains them all from its inbox.
        auto late = RawClient::authenticated(m_cluster->url(), offlineToken);
        QVERIFY(late);
        QVERIFY(waitFor([&] { return payloads(late->messagesIn(conv)).size() >= 20; }));
        QVERIFY(sameInOrder(payloads(late->messagesIn(conv)), sent).isEmpty());
    }

    void presenceAndTypingAcrossNodes() {
        const QString wn = name("watcher"), tn = name("target");
        auto w = user(wn, 0);
        auto t = user(tn, 2);
        QVERIFY(w && t);
        QVERIFY(contact(*t, wn)->has_ok()); // the target shows its presence to its contacts
        QVERIFY(contact(*w, tn)->has_ok());
        const auto first = subscribePresence(*w, tn);
        QVERIFY(first && first->presence_response().presences_size() == 1);
        QVERIFY(first->presence_response().presences(0).online()); // connected on node 2
        const quint64 targetId = t->userId;
        // Offline, with a last-seen time, heard on node 0.
        t->close();
        QVERIFY(waitFor([&] {
            const auto p = lastPresence(*w, targetId);
            return p && !p->online() && p->last_seen_ms() > 0;
        }));
        // Online again through another node.
        auto t2 = RawClient::loggedIn(m_cluster->nodeUrl(1), tn);
        QVERIFY(t2);
        QVERIFY(waitFor([&] {
            const auto p = lastPresence(*w, targetId);
            return p && p->online();
        }));
        // Typing from node 1 reaches node 0.
        const quint64 conv = t2->openDirect(wn);
        QVERIFY(conv);
        F typing;
        typing.mutable_typing_request()->set_conversation_id(conv);
        typing.mutable_typing_request()->set_typing(true);
        t2->sendFrame(typing);
        const auto push = w->waitPush(F::kTypingPush);
        QVERIFY(push);
        QCOMPARE(push->typing_push().user_id(), targetId);
        QVERIFY(push->typing_push().typing());
    }

    void readReceiptsAcrossNodes() {
        const QString sn = name("sender"), rn = name("reader");
        auto s = user(sn, 1);
        auto r = user(rn, 2);
        QVERIFY(s && r);
        const quint64 conv = s->openDirect(rn);
        const auto ack = s->send(conv, "r1", "read me");
        QVERIFY(ack && ack->has_send_ack());
        const quint64 seq = ack->send_ack().seq();
        QVERIFY(waitFor([&] { return r->messagesIn(conv).size() == 1; }));
        r->ackDelivered(conv, seq);
        r->ackRead(conv, seq);
        QVERIFY(waitFor([&] {
            for (const F &f : s->pushes)
                if (f.has_receipt_push() && f.receipt_push().conversation_id() == conv &&
                    f.receipt_push().read_seq() >= seq)
                    return true;
            return false;
        }));
    }

    void oneLiveConnectionPerDevice() {
        const QString n = name("twice");
        auto first = user(n, 0);
        QVERIFY(first);
        // The same device (its token) connects to another node: the first connection is closed
        // with SESSION_REPLACED, the new one stays.
        auto second = RawClient::authenticated(m_cluster->nodeUrl(2), first->token);
        QVERIFY(second);
        QVERIFY(first->waitDisconnected());
        bool replaced = false;
        for (const F &f : first->pushes)
            replaced |= f.has_error() && f.error().code() == wire::ERROR_SESSION_REPLACED;
        QVERIFY(replaced);
        QVERIFY(second->ping());
        // Messages reach the one that stayed.
        auto peer = user(name("peer"), 1);
        const quint64 conv = peer->openDirect(n);
        QVERIFY(peer->send(conv, "x", "to the live one")->has_send_ack());
        QVERIFY(waitFor([&] { return second->messagesIn(conv).size() == 1; }));
        QVERIFY(second->isConnected());
    }

    void membershipChangesAreKnownOnEveryNode() {
        const QString on = name("gowner"), an = name("gm1"), bn = name("gm2");
        auto o = user(on, 0);
        auto a = user(an, 1);
        auto b = user(bn, 2);
        QVERIFY(o && a && b);
        const quint64 conv = o->createGroup(QStringLiteral("g"), {an});
        QVERIFY(conv);
        // Node 1 caches the member list when a sends there.
        QVERIFY(a->send(conv, "warm", "warm")->has_send_ack());
        QVERIFY(waitFor([&] { return o->messagesIn(conv).size() >= 1; }));
        // The owner adds b through node 0; a's next send on node 1 reaches b on node 2.
        const auto add = o->groupChange(conv, wire::GroupChangeRequest::ACTION_ADD, bn);
        QVERIFY(add && !add->has_error());
        QVERIFY(a->send(conv, "after", "after the add")->has_send_ack());
        QVERIFY(waitFor([&] {
            for (const auto &m : b->messagesIn(conv))
                if (m.payload() == "after the add")
                    return true;
            return false;
        }));
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "test_cluster.moc"
