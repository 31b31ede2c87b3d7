// LocalStore support for end-to-end encryption and profiles: the storeIncoming transaction hook
// (rollback on failure), transaction() and connectionName(), undecryptable and hidden messages,
// replaceUndecryptable, display names (members, peers, me, chat titles) and receipt times.
#include "core/store/local_store.h"
#include "core/store/view_store.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::client;

namespace {
//! QVERIFY2 evaluates its message even when the check passes: never touch error() of a success.
template <typename R> QByteArray errorOf(const R &r) {
    return r.ok() ? QByteArray() : r.error().toString().toUtf8();
}

const AccountSettings kMe{QStringLiteral("ws://x"), 1, 11, QStringLiteral("alice"), {}};
constexpr quint64 kConv = 7;
constexpr quint64 kGroup = 40;

IncomingMessage fromBob(quint64 seq, const QString &text = QString()) {
    IncomingMessage m;
    m.conversationId = kConv;
    m.seq = seq;
    m.senderUserId = 2;
    m.senderDeviceId = 22;
    m.senderUsername = QStringLiteral("bob");
    m.clientMessageId = QStringLiteral("bob-%1").arg(seq);
    m.text = text.isEmpty() ? QStringLiteral("m%1").arg(seq) : text;
    m.serverTimeMs = 1000 + qint64(seq);
    m.sentAtMs = 900 + qint64(seq);
    return m;
}

QList<quint64> seqs(const QList<MessageRecord> &rows) {
    QList<quint64> out;
    for (const auto &r : rows)
        out.append(r.seq);
    return out;
}

int countRows(const QString &connection, const QString &sql) {
    QSqlQuery q(QSqlDatabase::database(connection));
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toInt();
}
} // namespace

class TestLocalStoreE2e : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    int m_n = 0;
    QString freshPath() { return m_dir.filePath(QStringLiteral("e%1.sqlite").arg(++m_n)); }

    std::unique_ptr<LocalStore> openStore(const QString &path) {
        auto s = LocalStore::open(path);
        if (!s.ok())
            qFatal("open failed: %s", qPrintable(s.error().toString()));
        auto store = std::move(*s);
        if (!store->saveAccount(kMe).ok())
            qFatal("saveAccount failed");
        return store;
    }

private slots:
    void hookRunsInsideTheTransaction() {
        auto store = openStore(freshPath());
        const QString conn = store->connectionName();
        QVERIFY(!conn.isEmpty());
        QVERIFY(QSqlDatabase::database(conn).isOpen());
        QSqlQuery ddl(QSqlDatabase::database(conn));
        QVERIFY(ddl.exec(u"CREATE TABLE e2e_state (k TEXT PRIMARY KEY, v TEXT)"_qs));
        bool ran = false;
        auto adv = store->storeIncoming({fromBob(1)}, 5000, kMe, [&]() -> Status {
            ran = true;
            QSqlQuery q(QSqlDatabase::database(conn));
            if (!q.exec(u"INSERT INTO e2e_state VALUES ('ratchet', 'v1')"_qs))
                return Error{ErrorCode::Storage, q.lastError().text()};
            return {};
        });
        QVERIFY(adv.ok());
        QVERIFY(ran);
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(1));
        QCOMPARE(countRows(conn, u"SELECT COUNT(*) FROM e2e_state"_qs), 1);
        QCOMPARE(store->history(kConv, 10)->size(), 1);
    }

    void failingHookRollsEverythingBack() {
        auto store = openStore(freshPath());
        const QString conn = store->connectionName();
        QSqlQuery ddl(QSqlDatabase::database(conn));
        QVERIFY(ddl.exec(u"CREATE TABLE e2e_state (k TEXT PRIMARY KEY, v TEXT)"_qs));
        auto adv = store->storeIncoming({fromBob(1), fromBob(2)}, 5000, kMe, [&]() -> Status {
            QSqlQuery q(QSqlDatabase::database(conn));
            q.exec(u"INSERT INTO e2e_state VALUES ('ratchet', 'v2')"_qs);
            return Error{ErrorCode::Forbidden, u"bad state"_qs};
        });
        QVERIFY(!adv.ok());
        QCOMPARE(adv.error().code, ErrorCode::Forbidden);
        QVERIFY(store->history(kConv, 10)->isEmpty());
        QCOMPARE(countRows(conn, u"SELECT COUNT(*) FROM e2e_state"_qs), 0);
        // Nothing advanced: the same batch stores fine afterwards.
        adv = store->storeIncoming({fromBob(1), fromBob(2)}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).inserted, 2);
        QCOMPARE(adv->at(0).released.size(), 2);
    }

    void transactionCommitsOrRollsBackAndNests() {
        auto store = openStore(freshPath());
        const QString conn = store->connectionName();
        QSqlQuery ddl(QSqlDatabase::database(conn));
        QVERIFY(ddl.exec(u"CREATE TABLE e2e_state (k TEXT PRIMARY KEY, v TEXT)"_qs));
        auto insert = [&](const QString &k) -> Status {
            QSqlQuery q(QSqlDatabase::database(conn));
            q.prepare(u"INSERT INTO e2e_state VALUES (?, 'x')"_qs);
            q.addBindValue(k);
            if (!q.exec())
                return Error{ErrorCode::Storage, q.lastError().text()};
            return {};
        };
        QVERIFY(store->transaction([&] { return insert(u"a"_qs); }).ok());
        QVERIFY(!store
                     ->transaction([&]() -> Status {
                         if (auto s = insert(u"b"_qs); !s)
                             return s;
                         return Error{ErrorCode::Internal, u"no"_qs};
                     })
                     .ok());
        QCOMPARE(countRows(conn, u"SELECT COUNT(*) FROM e2e_state"_qs), 1);
        // Store methods called inside join the transaction (savepoints), and roll back with it.
        QVERIFY(!store
                     ->transaction([&]() -> Status {
                         if (auto s = store->setDisplayName(2, u"Bobby"_qs); !s)
                             return s;
                         return Error{ErrorCode::Internal, u"no"_qs};
                     })
                     .ok());
        QCOMPARE(*store->displayName(2), QString());
        QVERIFY(store->transaction([&] { return store->setDisplayName(2, u"Bobby"_qs); }).ok());
        QCOMPARE(*store->displayName(2), u"Bobby"_qs);
    }

    void undecryptableIsAPlaceholderThatCounts() {
        auto store = openStore(freshPath());
        IncomingMessage bad = fromBob(2, u"ignored"_qs);
        bad.undecryptable = true;
        auto adv = store->storeIncoming({fromBob(1), bad, fromBob(3)}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(3));
        QCOMPARE(seqs(adv->at(0).released), (QList<quint64>{1, 2, 3}));
        QVERIFY(adv->at(0).released.at(1).undecryptable);
        QVERIFY(adv->at(0).released.at(1).text.isEmpty());
        auto rows = *store->history(kConv, 10);
        QCOMPARE(rows.size(), 3);
        QVERIFY(rows.at(1).undecryptable);
        QVERIFY(!rows.at(0).undecryptable);
        QCOMPARE(*store->unreadCount(kConv), 3);
    }

    void hiddenMessagesFillTheSeqButAreNeverShown() {
        auto store = openStore(freshPath());
        IncomingMessage control = fromBob(2, u"distribution"_qs);
        control.hidden = true;
        auto adv = store->storeIncoming({fromBob(1), control, fromBob(3)}, 5000, kMe);
        QVERIFY(adv.ok());
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(3)); // no hole at 2
        QCOMPARE(seqs(adv->at(0).released), (QList<quint64>{1, 3}));
        QVERIFY(store->holes()->isEmpty());
        QCOMPARE(seqs(*store->history(kConv, 10)), (QList<quint64>{1, 3}));
        QCOMPARE(*store->unreadCount(kConv), 2);
        QCOMPARE(seqs(*store->unnotified(10)), (QList<quint64>{1, 3}));
        QVERIFY(!store->messageByClientId(u"bob-2"_qs, 2)->has_value());
        // A repeat of the hidden seq is a duplicate, not a new message.
        adv = store->storeIncoming({control}, 6000, kMe);
        QCOMPARE(adv->at(0).duplicates, 1);
        // A hidden row above a hole is held like any other and released (silently) later.
        IncomingMessage later = fromBob(5);
        later.hidden = true;
        adv = store->storeIncoming({later}, 7000, kMe);
        QVERIFY(adv->at(0).hasHeld);
        adv = store->storeIncoming({fromBob(4)}, 7000, kMe);
        QCOMPARE(adv->at(0).lastContiguousSeq, quint64(5));
        QCOMPARE(seqs(adv->at(0).released), (QList<quint64>{4}));
    }

    void hiddenMessagesStayOutOfTheViewStore() {
        const QString path = freshPath();
        auto store = openStore(path);
        IncomingMessage control = fromBob(3, u"resend request"_qs);
        control.hidden = true;
        QVERIFY(
            store->storeIncoming({fromBob(1, u"hello there"_qs), fromBob(2), control}, 5000, kMe)
                .ok());
        auto view = ViewStore::open(path, kMe.userId);
        QVERIFY2(view.ok(), errorOf(view).constData());
        auto summary = (*view)->chatSummary(kConv);
        QVERIFY(summary.ok());
        QCOMPARE(summary->lastMessage->seq, quint64(2));
        QCOMPARE(summary->unread, 2);
        QCOMPARE(seqs(*(*view)->latest(kConv, 10)), (QList<quint64>{1, 2}));
        QCOMPARE(seqs(*(*view)->olderThan(kConv, 10, 10)), (QList<quint64>{1, 2}));
        auto found = (*view)->search(u"resend"_qs, 10);
        QVERIFY2(found.ok(), errorOf(found).constData());
        QVERIFY(found->isEmpty());
        QCOMPARE((*view)->search(u"hello"_qs, 10)->size(), 1);
    }

    void replaceUndecryptableFillsInTheText() {
        const QString path = freshPath();
        auto store = openStore(path);
        IncomingMessage bad = fromBob(1);
        bad.undecryptable = true;
        QVERIFY(store->storeIncoming({bad}, 5000, kMe).ok());
        // Only the original sender's resend may fill it in.
        auto s = store->replaceUndecryptable(kConv, 1, 3, u"forged"_qs, 1);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::Forbidden);
        QVERIFY(store->replaceUndecryptable(kConv, 1, 2, u"now readable"_qs, 4242).ok());
        auto row = store->history(kConv, 1)->at(0);
        QVERIFY(!row.undecryptable);
        QCOMPARE(row.text, u"now readable"_qs);
        QCOMPARE(row.sentAtMs, qint64(4242));
        // A second resend changes nothing; a seq that does not exist is an error.
        QVERIFY(store->replaceUndecryptable(kConv, 1, u"again"_qs, 1).ok());
        QCOMPARE(store->history(kConv, 1)->at(0).text, u"now readable"_qs);
        QVERIFY(!store->replaceUndecryptable(kConv, 9, u"x"_qs, 1).ok());
        // Searchable once filled in; and it works from inside the storeIncoming hook.
        auto view = ViewStore::open(path, kMe.userId);
        QCOMPARE((*view)->search(u"readable"_qs, 10)->size(), 1);
        IncomingMessage bad2 = fromBob(2);
        bad2.undecryptable = true;
        QVERIFY(store->storeIncoming({bad2}, 5000, kMe).ok());
        IncomingMessage resend = fromBob(3);
        resend.hidden = true;
        QVERIFY(store
                    ->storeIncoming(
                        {resend}, 5000, kMe,
                        [&] { return store->replaceUndecryptable(kConv, 2, 2, u"second"_qs, 7); })
                    .ok());
        QCOMPARE(store->history(kConv, 10)->at(1).text, u"second"_qs);
    }

    void displayNamesForMembersPeersAndMe() {
        const QString path = freshPath();
        auto store = openStore(path);
        QVERIFY(store->upsertConversation(kConv, 2, u"bob"_qs).ok());
        QCOMPARE((*store->conversation(kConv))->displayName, QString());
        QCOMPARE((*store->conversation(kConv))->title(), u"bob"_qs);
        QVERIFY(store->setDisplayName(2, u"Bob Marley"_qs).ok());
        auto c = **store->conversation(kConv);
        QCOMPARE(c.displayName, u"Bob Marley"_qs);
        QCOMPARE(c.title(), u"Bob Marley"_qs);
        QCOMPARE(store->conversations()->at(0).displayName, u"Bob Marley"_qs);

        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = u"Band"_qs;
        info.lastSeq = 1;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, QString()},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, QString()},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, u"Carol K"_qs}};
        QVERIFY(store->applyConversationInfo(info, kMe.userId).ok());
        auto members = *store->members(kGroup);
        QCOMPARE(members.size(), 3);
        QCOMPARE(members.at(1).displayName, u"Bob Marley"_qs); // an empty one erases nothing
        QCOMPARE(members.at(2).displayName, u"Carol K"_qs);
        QCOMPARE((*store->conversation(kGroup))->displayName, QString()); // groups have none
        QCOMPARE((*store->conversation(kGroup))->title(), u"Band"_qs);

        // A 1:1's info carries the peer's display name.
        ConversationInfo direct;
        direct.id = 8;
        direct.kind = ConversationKind::Direct;
        direct.peerUserId = 3;
        direct.peerUsername = u"carol"_qs;
        direct.peerDisplayName = u"Carol King"_qs;
        QVERIFY(store->applyConversationInfo(direct, kMe.userId).ok());
        QCOMPARE((*store->conversation(8))->displayName, u"Carol King"_qs);

        // Mine is the account's too.
        QVERIFY(store->setDisplayName(kMe.userId, u"Alice A"_qs).ok());
        QCOMPARE(store->account()->displayName, u"Alice A"_qs);
        QVERIFY(store->setDisplayName(2, QString()).ok());
        QCOMPARE((*store->conversation(kConv))->title(), u"bob"_qs);
        QCOMPARE(store->account()->displayName, u"Alice A"_qs);
        AccountSettings me = kMe;
        me.displayName = u"Alice B"_qs;
        QVERIFY(store->saveAccount(me).ok());
        QCOMPARE(store->account()->displayName, u"Alice B"_qs);
        QCOMPARE(*store->displayName(kMe.userId), u"Alice B"_qs);

        // The chat list title.
        QVERIFY(store->setDisplayName(2, u"Bobby"_qs).ok());
        auto view = ViewStore::open(path, kMe.userId);
        QVERIFY(view.ok());
        QCOMPARE((*view)->chatSummary(kConv)->title, u"Bobby"_qs);
        QCOMPARE((*view)->chatSummary(kGroup)->title, u"Band"_qs);
        QCOMPARE((*view)->chatSummary(8)->title, u"Carol King"_qs);
        QVERIFY(store->setDisplayName(2, QString()).ok());
        QCOMPARE((*view)->chatSummary(kConv)->title, u"bob"_qs);
    }

    void receiptTimesAreTheFirstAdvanceCoveringASeq() {
        const QString path = freshPath();
        auto store = openStore(path);
        ConversationInfo info;
        info.id = kGroup;
        info.kind = ConversationKind::Group;
        info.name = u"Band"_qs;
        info.members = {{1, u"alice"_qs, MemberRole::Admin, 0, 0, QString()},
                        {2, u"bob"_qs, MemberRole::Member, 0, 0, u"Bobby"_qs},
                        {3, u"carol"_qs, MemberRole::Member, 0, 0, QString()}};
        QVERIFY(store->applyConversationInfo(info, kMe.userId).ok());
        QVERIFY(store->recordReceiptTime(kGroup, 2, 3, 0, 100).ok());
        QVERIFY(store->recordReceiptTime(kGroup, 2, 5, 2, 200).ok());
        QVERIFY(store->recordReceiptTime(kGroup, 2, 5, 2, 250).ok()); // no advance: no row
        QVERIFY(store->recordReceiptTime(kGroup, 2, 4, 5, 300).ok()); // read 5 (delivered too)
        QVERIFY(store->recordReceiptTime(kGroup, 3, 4, 0, 150).ok());
        QVERIFY(store->recordReceiptTime(kGroup, 1, 9, 9, 50).ok()); // me: never listed
        auto times = store->receiptTimes(kGroup, 4);
        QVERIFY(times.ok());
        QCOMPARE(times->size(), 2);
        QCOMPARE(times->at(0).username, u"bob"_qs);
        QCOMPARE(times->at(0).displayName, u"Bobby"_qs);
        QCOMPARE(times->at(0).deliveredAtMs, qint64(200));
        QCOMPARE(times->at(0).readAtMs, qint64(300));
        QCOMPARE(times->at(1).username, u"carol"_qs);
        QCOMPARE(times->at(1).deliveredAtMs, qint64(150));
        QCOMPARE(times->at(1).readAtMs, qint64(0)); // not read yet
        auto early = *store->receiptTimes(kGroup, 2);
        QCOMPARE(early.at(0).deliveredAtMs, qint64(100));
        QCOMPARE(early.at(0).readAtMs, qint64(200));
        auto late = *store->receiptTimes(kGroup, 6);
        QCOMPARE(late.at(0).deliveredAtMs, qint64(0));

        // A 1:1 lists the peer; the ViewStore reads the same.
        QVERIFY(store->upsertConversation(kConv, 2, u"bob"_qs).ok());
        QVERIFY(store->recordReceiptTime(kConv, 2, 1, 1, 77).ok());
        auto direct = *store->receiptTimes(kConv, 1);
        QCOMPARE(direct.size(), 1);
        QCOMPARE(direct.at(0).userId, quint64(2));
        QCOMPARE(direct.at(0).readAtMs, qint64(77));
        auto view = ViewStore::open(path, kMe.userId);
        QVERIFY(view.ok());
        QCOMPARE((*view)->receiptTimes(kConv, 1)->at(0).deliveredAtMs, qint64(77));
    }

    void receiptTimesArePruned() {
        auto store = openStore(freshPath());
        QVERIFY(store->upsertConversation(kConv, 2, u"bob"_qs).ok());
        const int n = LocalStore::kReceiptTimesKept + 50;
        for (int i = 1; i <= n; ++i)
            QVERIFY(store->recordReceiptTime(kConv, 2, quint64(i), quint64(i), 1000 + i).ok());
        QSqlQuery q(QSqlDatabase::database(store->connectionName()));
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM receipt_times"_qs) && q.next());
        QCOMPARE(q.value(0).toInt(), LocalStore::kReceiptTimesKept);
        // A pruned advance's time is unknown (0), never a later one's; kept ones stay exact.
        QCOMPARE(store->receiptTimes(kConv, 10)->at(0).deliveredAtMs, qint64(0));
        QCOMPARE(store->receiptTimes(kConv, quint64(n))->at(0).readAtMs, qint64(1000 + n));
        QCOMPARE(store->receiptTimes(kConv, 51)->at(0).readAtMs, qint64(1051));
        // An old cursor (below the pruned ones) adds no row.
        QVERIFY(store->recordReceiptTime(kConv, 2, 5, 5, 9).ok());
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM receipt_times"_qs) && q.next());
        QCOMPARE(q.value(0).toInt(), LocalStore::kReceiptTimesKept);
    }
};

QTEST_GUILESS_MAIN(TestLocalStoreE2e)
#include "test_local_store_e2e.moc"
