#pragma once
// Groups: create, change (members, roles, name, leave), the group's info and "read by n of m".
// Every answer is stored locally before the caller hears of it.
#include "core/client_types.h"
#include "core/net/requester.h"

#include <QObject>
#include <QSet>

#include <memory>

namespace tidings::client {

class Account;
class ConversationStore;
class GroupStateStore;
class Keys;

//! A group as this device stored it.
struct StoredGroup {
    ConversationRecord conversation;
    QList<MemberRecord> members; //!< by role (admins first), then username
};

class Groups : public QObject {
    Q_OBJECT
public:
    using InfoHandler = std::function<void(Result<ConversationInfo>)>;
    using ReadersHandler = std::function<void(Result<ReadersInfo>)>;
    using StatusHandler = std::function<void(Status)>;

    Groups(ConversationStore *conversations, GroupStateStore *states, Requester *requests,
           const Account *account, QObject *parent = nullptr);

    //! End-to-end keys: with them (and this device holding the account key) new groups get a
    //! signed genesis and changes to groups with signed state are signed (issue 12).
    void setKeys(Keys *keys) { m_keys = keys; }

    // Requests wait for a session. Reads are retried after a reconnect; changes are not (a retry
    // could apply them twice), so a network failure reaches `done`.

    //! I become its admin; `usernames` are the other initial members. Stored locally on success.
    void create(const QString &name, const QStringList &usernames, InfoHandler done);
    //! `username` for add/remove/promote/demote, `name` for rename; leave needs neither.
    void change(quint64 conversationId, GroupAction action, const QString &username,
                const QString &name, StatusHandler done);
    //! Name and members with their cursors; refreshes the local copy.
    void info(quint64 conversationId, InfoHandler done);
    //! Who has my message `seq`: "read by 3 of 5".
    void readers(quint64 conversationId, quint64 seq, ReadersHandler done);

    //! Groups created before signed state (by older clients) get it from their first admin
    //! that runs this: a REFOUNDED version 1 naming the members the server lists, with their
    //! roles and verified keys (docs/design/group-state.md §7). Each group is tried once per run;
    //! groups whose log exists are only verified.
    void foundLegacyGroups();
    //! foundLegacyGroups() for one group; `done` says whether it has signed state now.
    void ensureFounded(quint64 conversationId, std::function<void(Result<bool>)> done);

    //! After my account key was handed on (a rotation, a recovery, or a key another device of
    //! mine handed on), my new key is recorded in every group with signed state that still
    //! records a predecessor (a SET_KEY signed with the new key): from then on the old key, which
    //! a removed device may still hold, signs nothing there. Runs at every idle sync too (a crash
    //! or a lost connection in between); each group once per run and key.
    void recordOwnKey();
    void onAccountKeyChanged();

    //! The local copy (works offline); empty when this device has not stored the conversation.
    Result<std::optional<StoredGroup>> stored(quint64 conversationId) const;

signals:
    //! A group's info was stored (created or fetched): kind, name or members may differ.
    void conversationChanged(quint64 conversationId);
    //! A change was accepted by the server: it arrives as an ordered system event, which the
    //! message path fetches (this device may get no push of it).
    void changed(quint64 conversationId, tidings::client::GroupAction action);

private:
    void storeInfo(ConversationInfo info, InfoHandler done);
    void sendCreate(const QString &name, const QStringList &usernames, const QByteArray &genesis,
                    InfoHandler done);
    void sendChange(quint64 conversationId, GroupAction action, const QString &username,
                    const QString &name, const QByteArray &signedChange, StatusHandler done);

    // Signing (groups_signed.cpp).
    bool canSign() const;
    //! Usernames → user ids (ProfilesRequest, 100 a request); NoSuchUser names who is unknown.
    void resolve(const QStringList &usernames,
                 std::function<void(Result<QHash<QString, quint64>>)> done);
    void resolveFrom(const QStringList &usernames, qsizetype from,
                     std::shared_ptr<QHash<QString, quint64>> out,
                     std::function<void(Result<QHash<QString, quint64>>)> done);
    void createSigned(const QString &name, const QStringList &usernames, InfoHandler done);
    //! One signed change on the verified head; on GROUP_STATE_CONFLICT the log is fetched and
    //! the change made again on the new head, at most kSignAttempts times.
    void changeSigned(quint64 conversationId, GroupAction action, const QString &username,
                      const QString &name, StatusHandler done, int attempt = 1);
    void signAndSend(quint64 conversationId, GroupAction action, const QString &username,
                     const QString &name, quint64 target, const QByteArray &targetKey,
                     StatusHandler done, int attempt);
    static constexpr int kSignAttempts = 3;
    //! Fetches and verifies the group's log (done at once without keys).
    void syncState(quint64 conversationId, std::function<void(Status)> done);
    //! Groups whose log this object asked for because it had no signed state of them.
    QSet<quint64> m_stateAsked;
    //! Groups foundLegacyGroups() tried in this run.
    QSet<quint64> m_foundingTried;
    //! Groups recordOwnKey() sent a SET_KEY to (or gave up on) for the current key.
    QSet<quint64> m_keyRecording;
    void signRefounding(const ConversationInfo &info, std::function<void(Result<bool>)> done);

    ConversationStore *m_conversations;
    GroupStateStore *m_states;
    Keys *m_keys = nullptr;
    Requester *m_requests;
    const Account *m_account;
};

} // namespace tidings::client
