// ViewStateStore: drafts, pins, mutes and app settings persist per chat and per key, and are
// not the account's synced data.
#include "store_fixture.h"

#include "core/store/chat_list_reader.h"
#include "core/store/conversation_store.h"
#include "core/store/view_state_store.h"

#include <QDateTime>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

class TestViewStateStore : public QObject {
    Q_OBJECT
private:
    StoreFiles m_files;

private slots:
    void draftsPinsAndMutesPersist() {
        const QString path = m_files.freshPath();
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        {
            auto store = m_files.open(path);
            ViewStateStore &v = store->viewState();
            QCOMPARE(*v.draft(kConv), QString());
            QVERIFY(v.setDraft(kConv, u"half a thought"_qs).ok());
            QVERIFY(v.setPinned(kConv, true).ok());
            QVERIFY(v.setMuted(kGroup, true).ok());
            QVERIFY(v.setDraft(kGroup, u"x"_qs).ok());
            QVERIFY(v.setDraft(kGroup, QString()).ok()); // a sent draft
        }
        auto store = m_files.open(path);
        ViewStateStore &v = store->viewState();
        QCOMPARE(*v.draft(kConv), u"half a thought"_qs);
        QCOMPARE(*v.draft(kGroup), QString());
        QVERIFY(store->conversations().upsertConversation(kConv, 2, u"bob"_qs).ok());
        QVERIFY(store->conversations().upsertConversation(kGroup, 0, QString()).ok());
        const ChatSummary direct = *store->chatList().chatSummary(kConv);
        QVERIFY(direct.pinned);
        QVERIFY(!direct.muted);
        QCOMPARE(direct.draft, u"half a thought"_qs);
        QVERIFY(direct.activityMs >= before); // a draft counts as activity
        const ChatSummary group = *store->chatList().chatSummary(kGroup);
        QVERIFY(group.muted);
        QVERIFY(!group.pinned);
        QCOMPARE(group.activityMs, qint64(0)); // an emptied draft does not
        QVERIFY(v.setPinned(kConv, false).ok());
        QVERIFY(!store->chatList().chatSummary(kConv)->pinned);
    }

    void draftsAreSealedToTheirChat() {
        const QString path = m_files.freshPath();
        auto store = m_files.open(path);
        QVERIFY(store->viewState().setDraft(kConv, u"a secret plan for Zanzibar"_qs).ok());
        QVERIFY(store->viewState().setDraft(kGroup, u"other"_qs).ok());
        QVERIFY(store->database().exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_qs).ok());
        QVERIFY(!fileBytes(path).contains("Zanzibar"));
        // Moved to another chat, a sealed draft does not open.
        QVERIFY(store->database()
                    .exec(u"UPDATE ui_chat_prefs SET draft_body = (SELECT draft_body FROM"
                          " ui_chat_prefs WHERE conversation_id = 7) WHERE conversation_id = 40"_qs)
                    .ok());
        auto moved = store->viewState().draft(kGroup);
        QVERIFY(!moved.ok());
        QCOMPARE(moved.error().code, ErrorCode::Storage);
        QCOMPARE(*store->viewState().draft(kConv), u"a secret plan for Zanzibar"_qs);
    }

    void settingsHaveFallbacks() {
        const QString path = m_files.freshPath();
        {
            auto store = m_files.open(path);
            ViewStateStore &v = store->viewState();
            QCOMPARE(v.setting(u"theme"_qs), QString());
            QCOMPARE(v.setting(u"notifications"_qs, u"1"_qs), u"1"_qs);
            QVERIFY(v.setSetting(u"theme"_qs, u"dark"_qs).ok());
            QVERIFY(v.setSetting(u"notifications"_qs, u"0"_qs).ok());
            QVERIFY(v.setSetting(u"theme"_qs, u"light"_qs).ok());
        }
        auto store = m_files.open(path);
        QCOMPARE(store->viewState().setting(u"theme"_qs), u"light"_qs);
        QCOMPARE(store->viewState().setting(u"notifications"_qs, u"1"_qs), u"0"_qs);
        QVERIFY(store->viewState().setSetting(u"empty"_qs, QString()).ok());
        QCOMPARE(store->viewState().setting(u"empty"_qs, u"fallback"_qs), QString());
    }
};

QTEST_GUILESS_MAIN(TestViewStateStore)
#include "test_view_state_store.moc"
