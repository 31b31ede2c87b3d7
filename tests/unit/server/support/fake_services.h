#pragma once
// Every gateway-facing service interface, faked: each call is recorded as a line naming the
// method, the caller and the domain arguments, and answered with canned values (or with `fail`,
// when set, for the next call; or held back when `hold` is set).
#include "services/accounts/accounts.h"
#include "services/contacts/contacts.h"
#include "services/groups/groups.h"
#include "services/keys/keys.h"
#include "services/media/media.h"
#include "services/messaging/messaging.h"
#include "services/presence/presence.h"
#include "services/profiles/profiles.h"

#include <QStringList>

#include <functional>
#include <optional>

namespace tidings::server::test {

class FakeServices final : public Accounts,
                           public Messaging,
                           public Groups,
                           public Presence,
                           public Contacts,
                           public Keys,
                           public Profiles,
                           public Media {
public:
    QStringList calls;
    std::optional<Error> fail; //!< the next answer, instead of the canned one
    bool holdLogins = false;   //!< keep login answers in `heldLogins`
    std::vector<std::function<void()>> heldLogins;
    bool holdHistory = false; //!< keep history answers in `heldHistory`
    std::vector<std::function<void()>> heldHistory;
    std::vector<InboxPage> inbox; //!< pages drainInbox hands out

    // Accounts
    void registerAccount(const NewAccount &a, const QString &, Reply<Login> reply) override {
        record(QStringLiteral("accounts.register %1 %2 %3")
                   .arg(a.username, a.deviceName, a.displayName));
        login(reply, Login{1, 11, a.username, {}, "token"});
    }
    void login(const Credentials &c, const QString &, Reply<Login> reply) override {
        record(QStringLiteral("accounts.login %1 %2").arg(c.username, c.deviceName));
        login(reply, Login{1, 11, c.username, {}, "token"});
    }
    void authenticate(const QByteArray &token, const QString &, Reply<Login> reply) override {
        record(QStringLiteral("accounts.authenticate %1").arg(token.size()));
        login(reply, Login{1, 11, "alice", "Alice", {}});
    }
    void listDevices(const Caller &c, Reply<std::vector<DeviceInfo>> reply) override {
        record(c, "accounts.listDevices");
        answer(reply, std::vector<DeviceInfo>{{11, "phone", 1, 2, true, true}});
    }
    void revokeDevice(const Caller &c, quint64 deviceId, StatusReply reply) override {
        record(c, QStringLiteral("accounts.revokeDevice %1").arg(deviceId));
        ok(reply);
    }
    void changePassword(const Caller &c, const QByteArray &, const QByteArray &newPassword,
                        const QString &, StatusReply reply) override {
        // Never the passwords themselves in the record: only that one was asked for.
        record(c, QStringLiteral("accounts.changePassword %1").arg(newPassword.size()));
        ok(reply);
    }
    void verifyPassword(const Caller &c, const QByteArray &password, const QString &,
                        StatusReply reply) override {
        record(c, QStringLiteral("accounts.verifyPassword %1").arg(password.size()));
        ok(reply);
    }

    // Messaging
    void send(const Caller &c, OutgoingMessage m, Reply<SendAck> reply) override {
        record(c, QStringLiteral("messaging.send %1 %2 %3")
                      .arg(m.conversationId)
                      .arg(QString::fromUtf8(m.clientMessageId))
                      .arg(m.payload.size()));
        answer(reply, SendAck{m.conversationId, m.clientMessageId, 5, 1000, false});
    }
    void ack(const Caller &c, quint64 conv, quint64 delivered, quint64 read,
             StatusReply reply) override {
        record(c, QStringLiteral("messaging.ack %1 %2 %3").arg(conv).arg(delivered).arg(read));
        ok(reply);
    }
    void history(const Caller &c, const HistoryQuery &q, Reply<HistoryPage> reply) override {
        record(c, QStringLiteral("messaging.history %1 %2 %3 %4")
                      .arg(q.conversationId)
                      .arg(q.afterSeq)
                      .arg(q.untilSeq)
                      .arg(q.limit));
        auto run = [this, reply, q] {
            answer(reply, HistoryPage{{}, true, {{q.conversationId, 1, 2, 3}}});
        };
        if (holdHistory)
            heldHistory.push_back(run);
        else
            run();
    }
    void drainInbox(const Caller &c, InboxSink sink) override {
        record(c, "messaging.drainInbox");
        drain(std::move(sink));
    }

    // Groups
    void openDirect(const Caller &c, const QString &username,
                    Reply<ConversationInfo> reply) override {
        record(c, "groups.openDirect " + username);
        ConversationInfo info;
        info.conversationId = 42;
        info.peerUsername = username;
        answer(reply, info);
    }
    void create(const Caller &c, const QString &name, const QStringList &usernames,
                const QByteArray &signedGenesis, Reply<ConversationInfo> reply) override {
        record(c, QStringLiteral("groups.create %1 %2%3")
                      .arg(name, usernames.join(','),
                           signedGenesis.isEmpty()
                               ? QString()
                               : QStringLiteral(" signed %1").arg(signedGenesis.size())));
        ConversationInfo info;
        info.conversationId = 43;
        info.group = true;
        info.name = name;
        answer(reply, info);
    }
    void change(const Caller &c, const GroupChange &g, StatusReply reply) override {
        record(c, QStringLiteral("groups.change %1 %2 %3")
                      .arg(g.conversationId)
                      .arg(int(g.action))
                      .arg(g.username));
        ok(reply);
    }
    void log(const Caller &c, quint64 conv, quint64 after, quint32 limit,
             Reply<GroupLog> reply) override {
        record(c, QStringLiteral("groups.log %1 %2 %3").arg(conv).arg(after).arg(limit));
        answer(reply, GroupLog{conv, {QByteArray("change")}, after + 1, false});
    }
    void info(const Caller &c, quint64 conv, Reply<ConversationInfo> reply) override {
        record(c, QStringLiteral("groups.info %1").arg(conv));
        ConversationInfo info;
        info.conversationId = conv;
        answer(reply, info);
    }
    void readers(const Caller &c, quint64 conv, quint64 seq, Reply<Readers> reply) override {
        record(c, QStringLiteral("groups.readers %1 %2").arg(conv).arg(seq));
        answer(reply, Readers{3, 2, 1, {}});
    }

    // Presence
    void subscribe(const Caller &c, const QStringList &usernames,
                   Reply<std::vector<PresenceState>> reply) override {
        record(c, "presence.subscribe " + usernames.join(','));
        answer(reply, std::vector<PresenceState>{{2, "bob", true, true, 0}});
    }
    void setPrivacy(const Caller &c, Visibility v, StatusReply reply) override {
        record(c, QStringLiteral("presence.setPrivacy %1").arg(int(v)));
        ok(reply);
    }
    void typing(const Caller &c, quint64 conv, bool typing, StatusReply reply) override {
        record(c, QStringLiteral("presence.typing %1 %2").arg(conv).arg(typing));
        ok(reply);
    }
    void deviceConnected(const Caller &c) override { record(c, "presence.deviceConnected"); }
    void deviceDisconnected(const Caller &c) override { record(c, "presence.deviceDisconnected"); }

    // Contacts
    void change(const Caller &c, ContactAction action, const QString &username,
                StatusReply reply) override {
        record(c, QStringLiteral("contacts.change %1 %2").arg(int(action)).arg(username));
        ok(reply);
    }
    void list(const Caller &c, Reply<ContactList> reply) override {
        record(c, "contacts.list");
        answer(reply, ContactList{Visibility::Contacts, {{2, "bob", true, false}}});
    }

    // Keys
    void uploadKeys(const Caller &c, const KeyUpload &k, Reply<KeyStock> reply) override {
        record(c, QStringLiteral("keys.uploadKeys %1 %2 %3")
                      .arg(k.signingKey.size())
                      .arg(k.signedPreKey ? k.signedPreKey->keyId : 0)
                      .arg(k.oneTimePreKeys.size()));
        answer(reply, KeyStock{5, true});
    }
    void fetchBundles(const Caller &c, quint64 userId, const std::vector<quint64> &devices,
                      const QByteArray &, Reply<Bundles> reply) override {
        record(c, QStringLiteral("keys.fetchBundles %1 %2").arg(userId).arg(devices.at(0)));
        Bundles b;
        b.bundles.push_back(DeviceBundle{
            userId, devices.at(0), "dsk", "dik", "bind", {1, "spk", "sig"}, {}, "aik"});
        b.deviceList = SignedDeviceList{userId, "list", "aik", {}};
        answer(reply, b);
    }
    void publishDeviceList(const Caller &c, const ListPublication &l, StatusReply reply) override {
        record(c, QStringLiteral("keys.publishDeviceList %1 %2%3")
                      .arg(l.signedList.size())
                      .arg(l.accountKey.size())
                      .arg(l.passwordVerified ? QStringLiteral(" password") : QString()));
        ok(reply);
    }
    void deviceList(const Caller &c, quint64 userId, const QByteArray &,
                    Reply<SignedDeviceList> reply) override {
        record(c, QStringLiteral("keys.deviceList %1").arg(userId));
        answer(reply, SignedDeviceList{userId, "list", "aik", {}});
    }
    void accountKeyHandoff(const Caller &c, Reply<AccountKeyHandoff> reply) override {
        record(c, QStringLiteral("keys.accountKeyHandoff"));
        answer(reply, AccountKeyHandoff{{"statement"}, "handoff"});
    }
    void recoverAccount(const Caller &c, const AccountRecovery &r,
                        Reply<std::vector<quint64>> reply) override {
        record(c, QStringLiteral("keys.recoverAccount %1").arg(r.succession.size()));
        answer(reply, std::vector<quint64>{});
    }
    void linkRelay(const Caller &c, quint64 deviceId, const QByteArray &blob,
                   StatusReply reply) override {
        record(c,
               QStringLiteral("keys.linkRelay %1 %2").arg(deviceId).arg(QString::fromUtf8(blob)));
        ok(reply);
    }

    // Media
    void issueToken(const Caller &c, Reply<MediaToken> reply) override {
        record(c, QStringLiteral("media.issueToken"));
        answer(reply, MediaToken{"token", 1'700'000'600'000, 2048, 1024, 4096, 100});
    }

    // Profiles
    void setDisplayName(const Caller &c, const QString &name, StatusReply reply) override {
        record(c, "profiles.setDisplayName " + name);
        ok(reply);
    }
    void profiles(const Caller &c, const QStringList &usernames,
                  Reply<std::vector<Profile>> reply) override {
        record(c, "profiles.profiles " + usernames.join(','));
        answer(reply, std::vector<Profile>{{2, "bob", "Bob"}});
    }

private:
    void record(const QString &line) { calls << line; }
    //! Every authenticated call must carry the session's caller.
    void record(const Caller &c, const QString &line) {
        calls << (c.userId == 1 && c.deviceId == 11 ? line
                                                    : QStringLiteral("WRONG CALLER ") + line);
    }
    template <typename T> void answer(const Reply<T> &reply, T value) {
        if (fail) {
            const Error e = *fail;
            fail.reset();
            return reply(e);
        }
        reply(std::move(value));
    }
    void ok(const StatusReply &reply) {
        if (fail) {
            const Error e = *fail;
            fail.reset();
            return reply(e);
        }
        reply(Status{});
    }
    void login(const Reply<Login> &reply, Login value) {
        auto run = [this, reply, value] { answer(reply, value); };
        if (holdLogins)
            heldLogins.push_back(run);
        else
            run();
    }
    void drain(InboxSink sink) {
        if (inbox.empty())
            return sink(InboxPage{{}, true, 0}, {});
        InboxPage page = inbox.front();
        inbox.erase(inbox.begin());
        const bool last = page.last;
        sink(std::move(page),
             last ? std::function<void()>{} : std::function<void()>([this, sink] { drain(sink); }));
    }
};

} // namespace tidings::server::test
