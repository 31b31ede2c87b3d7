// Conversations and groups without a database: who may ask what (info and readers are for
// members), which refusal each tidings_group_change status becomes, removing oneself is leaving,
// and who is told about a change (the members before and after it).
#include "core/clock.h"
#include "crypto/group_state.h"
#include "protocol/limits.h"
#include "services/common/membership.h"
#include "services/groups/group_service.h"
#include "support/captured.h"
#include "support/fake_delivery.h"

#include <QTest>

using namespace tidings;
using namespace tidings::server;
using namespace tidings::server::test;

namespace {

class FakeGroupStore final : public GroupStore {
public:
    QHash<QString, UserRef> users;
    QHash<quint64, QList<quint64>> memberLists;
    ChangeOutcome nextChange;
    struct Change {
        quint64 actor;
        GroupChange change;
        quint64 target;
        int maxMembers;
    };
    std::vector<Change> changes;
    std::vector<std::pair<quint64, std::vector<quint64>>> created;
    std::vector<wire::Message> storedEvents;
    ConversationRows conversationRows;
    ReaderRows readerRows;

    void findUser(const QString &username, Callback<std::optional<UserRef>> cb) override {
        const auto it = users.constFind(username);
        cb(it == users.cend() ? std::optional<UserRef>{} : std::optional<UserRef>{*it});
    }
    void findUsers(const QStringList &usernames, Callback<std::vector<UserRef>> cb) override {
        std::vector<UserRef> out;
        for (const auto &n : usernames)
            if (users.contains(n))
                out.push_back(users.value(n));
        cb(out);
    }
    void openDirect(quint64, quint64, Callback<DirectConversation> cb) override {
        cb(DirectConversation{77, 4});
    }
    void createGroup(quint64 creator, const QString &, const std::vector<quint64> &ids, qint64,
                     Callback<quint64> cb) override {
        created.emplace_back(creator, ids);
        QList<quint64> all{creator};
        for (quint64 id : ids)
            all << id;
        memberLists.insert(50, all);
        cb(quint64(50));
    }
    QHash<quint64, QByteArray> keys;            //!< account keys by user
    std::vector<SignedChangeRow> signedGenesis; //!< what createSignedGroup stored
    bool uidTaken = false;
    void createSignedGroup(quint64 creator, const QString &name, const std::vector<quint64> &ids,
                           qint64 now, const SignedChangeRow &genesis,
                           Callback<quint64> cb) override {
        if (uidTaken)
            return cb(quint64(0));
        signedGenesis.push_back(genesis);
        createGroup(creator, name, ids, now, std::move(cb));
    }
    std::vector<std::vector<SignedOp>> signedChanges;
    void applySignedChange(quint64, quint64, const std::vector<SignedOp> &ops,
                           const SignedChangeRow &, qint64, int,
                           Callback<ChangeOutcome> cb) override {
        signedChanges.push_back(ops);
        cb(nextChange);
    }
    int refounds = 0;
    void refound(quint64, quint64, const QList<std::pair<quint64, MemberRole>> &, const QString &,
                 const SignedChangeRow &, qint64, Callback<ChangeOutcome> cb) override {
        ++refounds;
        cb(nextChange);
    }
    void accountKeys(const std::vector<quint64> &ids,
                     Callback<QHash<quint64, QByteArray>> cb) override {
        QHash<quint64, QByteArray> out;
        for (quint64 id : ids)
            if (keys.contains(id))
                out.insert(id, keys.value(id));
        cb(out);
    }
    void applyChange(quint64 actor, const GroupChange &change, quint64 target, qint64,
                     int maxMembers, Callback<ChangeOutcome> cb) override {
        changes.push_back({actor, change, target, maxMembers});
        if (nextChange.status == ChangeStatus::Done) {
            if (change.action == GroupAction::Add)
                memberLists[change.conversationId].append(target);
            if (change.action == GroupAction::Remove)
                memberLists[change.conversationId].removeAll(target);
            if (change.action == GroupAction::Leave)
                memberLists[change.conversationId].removeAll(actor);
        }
        cb(nextChange);
    }
    void events(quint64, quint64, int, Callback<std::vector<wire::Message>> cb) override {
        cb(storedEvents);
    }
    void conversation(quint64, Callback<ConversationRows> cb) override { cb(conversationRows); }
    LogRows logRows;
    quint32 askedLimit = 0;
    void logPage(quint64, quint64, quint64, quint32 limit, Callback<LogRows> cb) override {
        askedLimit = limit;
        cb(logRows);
    }
    void readers(quint64, quint64, Callback<ReaderRows> cb) override { cb(readerRows); }
    void members(quint64 conv, Callback<QList<quint64>> cb) override {
        cb(memberLists.value(conv));
    }
};

MemberInfo member(quint64 id, const char *name, quint64 delivered = 0, quint64 read = 0) {
    return MemberInfo{id, name, QString(name).toUpper(), MemberRole::Member, delivered, read};
}

wire::Message systemEvent(quint64 conv, quint64 seq) {
    wire::Message m;
    m.set_conversation_id(conv);
    m.set_seq(seq);
    m.mutable_system_event()->set_kind(wire::SystemEvent::KIND_MEMBER_ADDED);
    return m;
}

} // namespace

class TestGroupService : public QObject {
    Q_OBJECT

    FakeClock m_clock;
    FakeGroupStore m_store;
    FakeDelivery m_delivery;
    std::unique_ptr<Membership> m_membership;
    std::unique_ptr<GroupService> m_service;
    const Caller alice{1, 11, QStringLiteral("alice")};

private slots:
    void init() {
        m_store = FakeGroupStore{};
        m_delivery = FakeDelivery{};
        m_store.users = {{"alice", {1, "alice", "Alice"}},
                         {"bob", {2, "bob", "Bob"}},
                         {"carol", {3, "carol", "Carol"}}};
        m_store.memberLists = {{9, {1, 2}}};
        m_store.nextChange = ChangeOutcome{ChangeStatus::Done, 10};
        m_membership = std::make_unique<Membership>(
            [this](quint64 conv, Membership::Callback cb) {
                m_store.members(conv, [cb](Result<QList<quint64>> r) { cb(r); });
            },
            100);
        m_service = std::make_unique<GroupService>(m_store, *m_membership, m_delivery, m_clock);
        for (auto [u, d] : {std::pair{1, 11}, {2, 21}, {3, 31}})
            m_delivery.connect(quint64(u), quint64(d));
    }

    void openingADirectConversationNamesThePeer() {
        Captured<ConversationInfo> info, nobody;
        m_service->openDirect(alice, "  BOB", info.reply()); // the canonical form is looked up
        QVERIFY(info.ok());
        QCOMPARE(info.value().conversationId, quint64(77));
        QCOMPARE(info.value().peerUserId, quint64(2));
        QCOMPARE(info.value().peerDisplayName, QString("Bob"));
        QVERIFY(!info.value().group);
        m_service->openDirect(alice, "dave", nobody.reply());
        QCOMPARE(nobody.code(), ErrorCode::NoSuchUser);
    }

    void creatingAGroupChecksNamesAndTellsTheMembers() {
        Captured<ConversationInfo> missing, full, made;
        m_service->create(alice, "g", {"bob", "dave", "erin"}, {}, missing.reply());
        QCOMPARE(missing.code(), ErrorCode::NoSuchUser);
        QVERIFY(missing.error().detail.contains("dave, erin"));
        QStringList many;
        for (int i = 0; i < 500; ++i)
            many << QStringLiteral("user%1").arg(i);
        m_service->create(alice, "g", many, {}, full.reply());
        QCOMPARE(full.code(), ErrorCode::GroupFull);
        QVERIFY(m_store.created.empty());

        m_store.storedEvents = {systemEvent(50, 1)};
        m_store.conversationRows = ConversationRows{
            true, "g", 1, {member(1, "alice"), member(2, "bob"), member(3, "carol")}};
        // The creator and duplicates are left out of the member list.
        m_service->create(alice, " g ", {"Bob", "carol", "bob", "alice"}, {}, made.reply());
        QVERIFY(made.ok());
        QCOMPARE(m_store.created.size(), std::size_t(1));
        QCOMPARE(m_store.created[0].second, (std::vector<quint64>{2, 3}));
        QVERIFY(made.value().group);
        QCOMPARE(made.value().members.size(), std::size_t(3));
        for (quint64 device : {11, 21, 31})
            QCOMPARE(m_delivery.of<wire::Message>(device).size(), std::size_t(1));
    }

    void changeStatusesBecomeTypedRefusals() {
        const std::vector<std::pair<ChangeStatus, ErrorCode>> cases = {
            {ChangeStatus::NotMember, ErrorCode::NotMember},
            {ChangeStatus::NoConversation, ErrorCode::NoSuchConversation},
            {ChangeStatus::NotAdmin, ErrorCode::NotAdmin},
            {ChangeStatus::GroupFull, ErrorCode::GroupFull},
            {ChangeStatus::TargetNotMember, ErrorCode::NotMember},
            {ChangeStatus::NotAGroup, ErrorCode::NotAGroup},
            {ChangeStatus::LastAdmin, ErrorCode::Forbidden},
            {ChangeStatus(42), ErrorCode::Internal}};
        for (const auto &[status, code] : cases) {
            m_store.nextChange = ChangeOutcome{status, 0};
            CapturedStatus r;
            m_service->change(alice, GroupChange{9, GroupAction::Promote, "bob", {}}, r.reply());
            QCOMPARE(r.code(), code);
        }
        QCOMPARE(m_store.changes.back().maxMembers, limits::kMaxGroupMembers);
        QCOMPARE(m_delivery.total(), 0);
        CapturedStatus unknown;
        m_service->change(alice, GroupChange{9, GroupAction::Add, "dave", {}}, unknown.reply());
        QCOMPARE(unknown.code(), ErrorCode::NoSuchUser);
    }

    void nothingToChangeIsOkAndTellsNobody() {
        m_store.nextChange = ChangeOutcome{ChangeStatus::Unchanged, 0};
        m_store.storedEvents = {systemEvent(9, 3)};
        CapturedStatus r;
        m_service->change(alice, GroupChange{9, GroupAction::Add, "bob", {}}, r.reply());
        QVERIFY(r.ok());
        QCOMPARE(m_delivery.total(), 0);
    }

    void removingOneselfIsLeavingAndRenamesAreTrimmed() {
        CapturedStatus r;
        m_service->change(alice, GroupChange{9, GroupAction::Remove, "ALICE", {}}, r.reply());
        QVERIFY(r.ok());
        QCOMPARE(m_store.changes.back().change.action, GroupAction::Leave);
        QCOMPARE(m_store.changes.back().target, quint64(0));
        m_service->change(alice, GroupChange{9, GroupAction::Rename, {}, "  new name "}, r.reply());
        QCOMPARE(m_store.changes.back().change.name, QString("new name"));
    }

    void membersBeforeAndAfterAChangeHearOfIt() {
        m_store.storedEvents = {systemEvent(9, 10)};
        // Bob is removed: he still gets the event of his own removal; carol, added in another
        // change, is a member after and gets hers.
        CapturedStatus removed;
        m_service->change(alice, GroupChange{9, GroupAction::Remove, "bob", {}}, removed.reply());
        QVERIFY(removed.ok());
        QCOMPARE(m_delivery.of<wire::Message>(21).size(), std::size_t(1));
        QCOMPARE(m_delivery.of<wire::Message>(11).size(), std::size_t(1));
        QCOMPARE(m_delivery.of<wire::Message>(31).size(), std::size_t(0));
        CapturedStatus added;
        m_service->change(alice, GroupChange{9, GroupAction::Add, "carol", {}}, added.reply());
        QCOMPARE(m_delivery.of<wire::Message>(31).size(), std::size_t(1));
        // The cache was invalidated: bob is no longer told anything.
        QCOMPARE(m_delivery.of<wire::Message>(21).size(), std::size_t(1));
        QCOMPARE(m_delivery.of<wire::Message>(11).size(), std::size_t(2));
    }

    void infoAndReadersAreForMembers() {
        Captured<ConversationInfo> none, outsider, direct;
        m_service->info(alice, 9, none.reply());
        QCOMPARE(none.code(), ErrorCode::NoSuchConversation);
        m_store.conversationRows =
            ConversationRows{false, {}, 3, {member(2, "bob"), member(3, "carol")}};
        m_service->info(alice, 9, outsider.reply());
        QCOMPARE(outsider.code(), ErrorCode::NotMember);
        m_store.conversationRows =
            ConversationRows{false, {}, 3, {member(1, "alice"), member(2, "bob")}};
        m_service->info(alice, 9, direct.reply());
        QVERIFY(direct.ok());
        QCOMPARE(direct.value().peerUsername, QString("bob"));
        QCOMPARE(direct.value().peerDisplayName, QString("BOB"));

        // Readers of seq 5 sent by bob: carol joined after it, so she is no recipient.
        m_store.readerRows = ReaderRows{2,
                                        {{member(1, "alice", 5, 5), true},
                                         {member(2, "bob", 5, 5), true},
                                         {member(3, "carol", 9, 9), false},
                                         {member(4, "dave", 5, 4), true}}};
        Captured<Readers> readers;
        m_service->readers(alice, 9, 5, readers.reply());
        QVERIFY(readers.ok());
        QCOMPARE(readers.value().recipients, quint32(2));
        QCOMPARE(readers.value().delivered, quint32(2));
        QCOMPARE(readers.value().read, quint32(1));
        QCOMPARE(readers.value().members.size(), std::size_t(2));
        Captured<Readers> notMine;
        m_service->readers(Caller{7, 71, "eve"}, 9, 5, notMine.reply());
        QCOMPARE(notMine.code(), ErrorCode::NotMember);
    }

    // A signed genesis is stored only when it is what the creator (this device) signed for
    // exactly these members with their published account keys; anything else is
    // BAD_GROUP_CHANGE and nothing is created.
    void aSignedGenesisIsCheckedBeforeItIsStored() {
        using namespace tidings::crypto;
        const auto key = [](char b) {
            auto k =
                Ed25519KeyPair::fromSeed(SecretBytes::fromRaw(QByteArray(32, b).constData(), 32));
            return std::move(*k);
        };
        const Ed25519KeyPair a = key('a'), b = key('b'), c = key('c');
        m_store.keys = {{1, a.publicKey}, {2, b.publicKey}, {3, c.publicKey}};
        const auto genesis = [&](quint64 actorDevice, QList<GroupOp> ops, const Ed25519KeyPair &k) {
            GroupStateChange g;
            g.groupUid = QByteArray(16, 'u');
            g.version = 1;
            g.prevHash = QByteArray(32, '\0');
            g.actorUserId = 1;
            g.actorDeviceId = actorDevice;
            g.ops = std::move(ops);
            return signGroupChange(g, k);
        };
        const auto add = [](quint64 user, const QByteArray &aik, GroupRole role) {
            GroupOp op;
            op.kind = GroupOp::Kind::Add;
            op.userId = user;
            op.aik = aik;
            op.role = role;
            return op;
        };
        GroupOp name;
        name.kind = GroupOp::Kind::Rename;
        name.name = QStringLiteral("g");
        const QList<GroupOp> good{add(1, a.publicKey, GroupRole::Admin),
                                  add(2, b.publicKey, GroupRole::Member), name};
        const auto create = [&](const QByteArray &blob) {
            Captured<ConversationInfo> r;
            m_service->create(alice, "g", {"bob"}, blob, r.reply());
            return r.code();
        };
        QCOMPARE(create("garbage"), ErrorCode::BadGroupChange);
        QCOMPARE(create(genesis(12, good, a)), ErrorCode::BadGroupChange); // another device
        QCOMPARE(create(genesis(11, good, b)), ErrorCode::BadGroupChange); // not alice's key
        QCOMPARE(create(genesis(11, {add(1, a.publicKey, GroupRole::Admin), name}, a)),
                 ErrorCode::BadGroupChange); // bob left out
        QCOMPARE(create(genesis(11,
                                {add(1, a.publicKey, GroupRole::Admin),
                                 add(2, b.publicKey, GroupRole::Member),
                                 add(3, c.publicKey, GroupRole::Member), name},
                                a)),
                 ErrorCode::BadGroupChange); // carol slipped in
        QCOMPARE(create(genesis(11,
                                {add(1, a.publicKey, GroupRole::Admin),
                                 add(2, c.publicKey, GroupRole::Member), name},
                                a)),
                 ErrorCode::BadGroupChange); // bob with another key than his
        QVERIFY(m_store.created.empty());
        m_store.uidTaken = true;
        QCOMPARE(create(genesis(11, good, a)), ErrorCode::BadGroupChange);
        m_store.uidTaken = false;
        m_store.conversationRows = ConversationRows{
            true, "g", 1, {member(1, "alice"), member(2, "bob")}, 1, QByteArray(16, 'u')};
        Captured<ConversationInfo> made;
        const QByteArray blob = genesis(11, good, a);
        m_service->create(alice, "g", {"bob"}, blob, made.reply());
        QVERIFY(made.ok());
        QCOMPARE(m_store.signedGenesis.size(), std::size_t(1));
        QCOMPARE(m_store.signedGenesis[0].blob, blob);
        QCOMPARE(m_store.signedGenesis[0].version, 1u);
        QCOMPARE(m_store.signedGenesis[0].actorDeviceId, 11u);
        QCOMPARE(m_store.signedGenesis[0].hash, groupChangeHash(decodeGroupChange(blob)->body));
        QCOMPARE(made.value().stateVersion, 1u);
        QCOMPARE(made.value().groupUid, QByteArray(16, 'u'));
    }

    // The signed state log: pages of at most 64 (one more asked of the store says whether there
    // are more), members only.
    void theGroupLogIsPagedForMembers() {
        Captured<GroupLog> none, outsider;
        m_service->log(alice, 9, 0, 0, none.reply());
        QCOMPARE(none.code(), ErrorCode::NoSuchConversation);
        m_store.logRows = LogRows{true, false, 3, {}};
        m_service->log(alice, 9, 0, 0, outsider.reply());
        QCOMPARE(outsider.code(), ErrorCode::NotMember);
        m_store.logRows = LogRows{true, true, 3, {"v1", "v2", "v3"}};
        Captured<GroupLog> page;
        m_service->log(alice, 9, 0, 2, page.reply());
        QVERIFY(page.ok());
        QCOMPARE(m_store.askedLimit, 2u);
        QCOMPARE(page.value().changes, (std::vector<QByteArray>{"v1", "v2"}));
        QVERIFY(page.value().hasMore);
        QCOMPARE(page.value().headVersion, 3u);
        Captured<GroupLog> all;
        m_service->log(alice, 9, 0, 1000, all.reply());
        QCOMPARE(m_store.askedLimit, quint32(limits::kMaxGroupLogPage));
        QVERIFY(!all.value().hasMore);
    }
};

QTEST_GUILESS_MAIN(TestGroupService)
#include "test_group_service.moc"
