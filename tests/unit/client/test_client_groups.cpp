// The groups module against a FakeSocket: the create/change/info/readers frames, answers stored
// locally before the caller hears of them, the signals the composition root wires (a change was
// accepted, a group's info changed), error mapping and retries of reads only.
#include "core/groups/groups.h"
#include "core/store/conversation_store.h"
#include "core/sync/wire_convert.h"
#include "module_fixture.h"

#include <QSignalSpy>

using namespace tidings;
using namespace tidings::client;
using namespace tidings::client::test;

Q_DECLARE_METATYPE(tidings::client::GroupAction)

namespace {
constexpr quint64 kGroup = 40;

Frame groupInfo(quint64 id, const char *name, bool withCarol = true) {
    return answer([&](Frame &f) {
        auto *ci = f.mutable_conversation_info();
        ci->set_conversation_id(id);
        ci->set_kind(wire::CONVERSATION_GROUP);
        ci->set_name(name);
        ci->set_last_seq(3);
        auto *me = ci->add_members();
        me->set_user_id(kMe.userId);
        me->set_username("alice");
        me->set_role(wire::ROLE_ADMIN);
        auto *bob = ci->add_members();
        bob->set_user_id(2);
        bob->set_username("bob");
        bob->set_display_name("Bob B.");
        if (withCarol) {
            auto *carol = ci->add_members();
            carol->set_user_id(3);
            carol->set_username("carol");
        }
    });
}
} // namespace

class TestGroups : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<ModuleFixture> m_f;
    std::unique_ptr<Groups> m_groups;

private slots:
    void init() {
        qRegisterMetaType<GroupAction>();
        m_f = std::make_unique<ModuleFixture>();
        QVERIFY(m_f->open());
        m_groups =
            std::make_unique<Groups>(&m_f->store->conversations(), &m_f->store->groupStates(),
                                     &m_f->requests, m_f->account.get());
    }
    void cleanup() {
        m_groups.reset();
        m_f.reset();
    }

    void createStoresTheGroupFirst() {
        QSignalSpy changed(m_groups.get(), &Groups::conversationChanged);
        std::optional<Result<ConversationInfo>> got;
        m_groups->create(QStringLiteral("Hikers"), {QStringLiteral("Bob"), QStringLiteral("carol")},
                         [&](Result<ConversationInfo> r) {
                             // Stored before the caller hears of it.
                             auto stored = m_f->store->conversations().conversation(kGroup);
                             QVERIFY(stored && stored->has_value());
                             got = r;
                         });
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.body_case(), Frame::kCreateGroupRequest);
        QCOMPARE(req.frame.create_group_request().name(), "Hikers");
        QCOMPARE(req.frame.create_group_request().usernames_size(), 2);
        QCOMPARE(req.frame.create_group_request().usernames(0), "bob");
        req.handler(groupInfo(kGroup, "Hikers"));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->id, kGroup);
        QCOMPARE((*got)->kind, ConversationKind::Group);
        QCOMPARE((*got)->members.size(), 3);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().first().toULongLong(), kGroup);

        auto stored = m_groups->stored(kGroup);
        QVERIFY(stored && stored->has_value());
        QCOMPARE((*stored)->conversation.name, QStringLiteral("Hikers"));
        QVERIFY((*stored)->conversation.isGroup());
        QVERIFY((*stored)->conversation.isMember);
        QCOMPARE((*stored)->members.size(), 3);
        QCOMPARE((*stored)->members.first().role, MemberRole::Admin); // admins first
        auto none = m_groups->stored(kGroup + 1);
        QVERIFY(none && !none->has_value());
    }

    void createIsNotRetried() {
        std::optional<Result<ConversationInfo>> got;
        m_groups->create(QStringLiteral("x"), {}, [&](Result<ConversationInfo> r) { got = r; });
        m_f->socket.authenticated = false;
        m_f->socket.takeRequests().first().handler(Error{ErrorCode::Timeout, QStringLiteral("t")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::Timeout);
    }

    void changesMapTheirActionAndAnnounceSuccess() {
        QSignalSpy changed(m_groups.get(), &Groups::changed);
        const QList<std::pair<GroupAction, wire::GroupChangeRequest::Action>> actions = {
            {GroupAction::Add, wire::GroupChangeRequest::ACTION_ADD},
            {GroupAction::Remove, wire::GroupChangeRequest::ACTION_REMOVE},
            {GroupAction::Promote, wire::GroupChangeRequest::ACTION_PROMOTE},
            {GroupAction::Demote, wire::GroupChangeRequest::ACTION_DEMOTE},
            {GroupAction::Leave, wire::GroupChangeRequest::ACTION_LEAVE},
            {GroupAction::Rename, wire::GroupChangeRequest::ACTION_RENAME},
        };
        for (const auto &[action, onWire] : actions) {
            std::optional<Status> got;
            m_groups->change(kGroup, action, QStringLiteral("Carol"), QStringLiteral("New name"),
                             [&](Status s) { got = s; });
            ModuleFixture::Request req;
            QVERIFY(m_f->takeOne(req));
            const auto &gc = req.frame.group_change_request();
            QCOMPARE(gc.conversation_id(), kGroup);
            QCOMPARE(gc.action(), onWire);
            QCOMPARE(gc.username(), "carol");
            QCOMPARE(gc.name(), "New name");
            req.handler(okAnswer());
            QVERIFY(got && got->ok());
        }
        QCOMPARE(changed.size(), actions.size());
        QCOMPARE(changed.at(1).at(1).value<GroupAction>(), GroupAction::Remove);

        // A refusal is the caller's and announces nothing.
        std::optional<Status> got;
        m_groups->change(kGroup, GroupAction::Remove, QStringLiteral("bob"), {},
                         [&](Status s) { got = s; });
        m_f->socket.takeRequests().first().handler(
            Error{ErrorCode::NotAdmin, QStringLiteral("not admin")});
        QVERIFY(got && !got->ok());
        QCOMPARE(got->error().code, ErrorCode::NotAdmin);
        QCOMPARE(changed.size(), actions.size());
    }

    void infoIsRetriedAndRefreshesTheLocalCopy() {
        ConversationInfo old =
            conversationInfoFromWire(groupInfo(kGroup, "Old").conversation_info());
        old.kind = ConversationKind::Group;
        QVERIFY(m_f->store->conversations().applyConversationInfo(old, kMe.userId));
        QSignalSpy changed(m_groups.get(), &Groups::conversationChanged);
        std::optional<Result<ConversationInfo>> got;
        m_groups->info(kGroup, [&](Result<ConversationInfo> r) { got = r; });
        m_f->socket.authenticated = false;
        m_f->socket.takeRequests().first().handler(Error{ErrorCode::Network, QStringLiteral("x")});
        QVERIFY(!got);
        m_f->socket.authenticated = true;
        m_f->requests.sessionStarted();
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.group_info_request().conversation_id(), kGroup);
        req.handler(groupInfo(kGroup, "Renamed", false));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->name, QStringLiteral("Renamed"));
        QCOMPARE(changed.size(), 1);
        auto stored = m_groups->stored(kGroup);
        QCOMPARE((*stored)->conversation.name, QStringLiteral("Renamed"));
        QCOMPARE((*stored)->members.size(), 2); // carol left

        m_groups->info(kGroup, [&](Result<ConversationInfo> r) { got = r; });
        m_f->socket.takeRequests().first().handler(
            Error{ErrorCode::NotMember, QStringLiteral("not a member")});
        QVERIFY(!got->ok());
        QCOMPARE(got->error().code, ErrorCode::NotMember);
    }

    void readersAreConverted() {
        std::optional<Result<ReadersInfo>> got;
        m_groups->readers(kGroup, 12, [&](Result<ReadersInfo> r) { got = r; });
        ModuleFixture::Request req;
        QVERIFY(m_f->takeOne(req));
        QCOMPARE(req.frame.readers_request().conversation_id(), kGroup);
        QCOMPARE(req.frame.readers_request().seq(), quint64(12));
        req.handler(answer([](Frame &f) {
            auto *r = f.mutable_readers_response();
            r->set_recipients(4);
            r->set_delivered(3);
            r->set_read(2);
            auto *m = r->add_members();
            m->set_user_id(2);
            m->set_username("bob");
            m->set_delivered_seq(12);
            m->set_read_seq(11);
        }));
        QVERIFY(got && got->ok());
        QCOMPARE((*got)->conversationId, kGroup);
        QCOMPARE((*got)->seq, quint64(12));
        QCOMPARE((*got)->recipients, 4);
        QCOMPARE((*got)->delivered, 3);
        QCOMPARE((*got)->read, 2);
        QCOMPARE((*got)->members.size(), 1);
        QCOMPARE((*got)->members.first().readSeq, quint64(11));

        m_groups->readers(kGroup, 12, [&](Result<ReadersInfo> r) { got = r; });
        m_f->socket.takeRequests().first().handler(okAnswer());
        QVERIFY(isUnexpectedAnswer(got->error()));
    }
};

QTEST_GUILESS_MAIN(TestGroups)
#include "test_client_groups.moc"
