// AccountStore: the account a cache belongs to (a change of user drops the synced data, in one
// transaction) and the users' display names, mine being the account's.
#include "store_fixture.h"

#include "core/store/conversation_store.h"
#include "core/store/key_store.h"
#include "core/store/message_store.h"
#include "core/store/outbox_store.h"
#include "core/store/search_index.h"
#include "core/store/view_state_store.h"

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestAccountStore : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void accountIsSavedAndReadBack() {
        const QString path = m_files.freshPath();
        {
            auto s = Storage::open(path, testMasterKey());
            QVERIFY(s.ok());
            QCOMPARE((*s)->accounts().account()->userId, quint64(0)); // nobody yet
            QCOMPARE(*(*s)->accounts().myUserId(), quint64(0));
            AccountSettings me = kMe;
            me.displayName = u"Alice"_qs;
            QVERIFY((*s)->accounts().saveAccount(me).ok());
        }
        auto s = Storage::open(path, testMasterKey());
        QVERIFY(s.ok());
        const AccountSettings a = *(*s)->accounts().account();
        QCOMPARE(a.serverUrl, kMe.serverUrl);
        QCOMPARE(a.userId, kMe.userId);
        QCOMPARE(a.deviceId, kMe.deviceId);
        QCOMPARE(a.username, kMe.username);
        QCOMPARE(a.displayName, u"Alice"_qs);
        QCOMPARE(*(*s)->accounts().myUserId(), kMe.userId);
        QCOMPARE(*(*s)->accounts().displayName(kMe.userId), u"Alice"_qs);
    }

    void anotherAccountDropsTheCache() {
        auto s = m_files.open();
        QVERIFY(s->messages().storeIncoming({fromBob(1, u"quokka"_qs)}, 1, kMe).ok());
        QVERIFY(s->messages().enqueueOutgoing({draft("o", "x")}, kMe).ok());
        QVERIFY(s->conversations().recordReceiptTime(kConv, 2, 1, 1, 10).ok());
        QVERIFY(s->accounts().setDisplayName(2, u"Bobby"_qs).ok());
        QVERIFY(s->keys().setOwnValue(u"user_id"_qs, "1").ok());
        QVERIFY(s->viewState().setSetting(u"theme"_qs, u"dark"_qs).ok());
        AccountSettings same = kMe;
        same.deviceId = 12; // same user, new device: keep the cache
        QVERIFY(s->accounts().saveAccount(same).ok());
        QCOMPARE(s->messages().history(kConv, 10)->size(), 2);
        AccountSettings other{QStringLiteral("ws://x"), 3, 33, QStringLiteral("carol"), {}};
        QVERIFY(s->accounts().saveAccount(other).ok());
        QVERIFY(s->messages().history(kConv, 10)->isEmpty());
        QCOMPARE(*s->outbox().size(), 0);
        QVERIFY(s->conversations().conversations()->isEmpty());
        QVERIFY(s->conversations().receiptTimes(kConv, 1)->isEmpty());
        QVERIFY(s->search().search(u"quokka"_qs, 10)->isEmpty());
        QCOMPARE(*s->accounts().displayName(2), QString());
        QCOMPARE(s->accounts().account()->username, u"carol"_qs);
        // Not the account's synced data: the device's keys and the app's settings stay.
        QCOMPARE(*s->keys().ownValue(u"user_id"_qs), QByteArray("1"));
        QCOMPARE(s->viewState().setting(u"theme"_qs), u"dark"_qs);
    }

    void aFailedSwitchKeepsTheOldAccount() {
        auto s = m_files.open();
        QVERIFY(s->messages().storeIncoming({fromBob(1)}, 1, kMe).ok());
        AccountSettings other{QStringLiteral("ws://x"), 3, 33, QStringLiteral("carol"), {}};
        // Inside a transaction that fails: the switch and the drop roll back together.
        QVERIFY(!s->transaction([&]() -> Status {
                      RETURN_ON_ERROR(s->accounts().saveAccount(other));
                      return Error{ErrorCode::Internal, u"no"_qs};
                  }).ok());
        QCOMPARE(s->accounts().account()->userId, kMe.userId);
        QCOMPARE(s->messages().history(kConv, 10)->size(), 1);
    }

    void displayNamesAndMine() {
        auto s = m_files.open();
        QCOMPARE(*s->accounts().displayName(2), QString());
        QVERIFY(s->accounts().setDisplayName(2, u"Bob Marley"_qs).ok());
        QCOMPARE(*s->accounts().displayName(2), u"Bob Marley"_qs);
        QCOMPARE(s->accounts().account()->displayName, QString()); // not mine
        // Mine is the account's too.
        QVERIFY(s->accounts().setDisplayName(kMe.userId, u"Alice A"_qs).ok());
        QCOMPARE(s->accounts().account()->displayName, u"Alice A"_qs);
        QVERIFY(s->accounts().setDisplayName(2, QString()).ok()); // cleared
        QCOMPARE(*s->accounts().displayName(2), QString());
        QCOMPARE(s->accounts().account()->displayName, u"Alice A"_qs);
        AccountSettings me = kMe;
        me.displayName = u"Alice B"_qs;
        QVERIFY(s->accounts().saveAccount(me).ok());
        QCOMPARE(s->accounts().account()->displayName, u"Alice B"_qs);
        QCOMPARE(*s->accounts().displayName(kMe.userId), u"Alice B"_qs);
        // No user, no name.
        auto none = s->accounts().setDisplayName(0, u"x"_qs);
        QVERIFY(!none.ok());
        QCOMPARE(none.error().code, ErrorCode::NoSuchUser);
    }
};

QTEST_GUILESS_MAIN(TestAccountStore)
#include "test_account_store.moc"
