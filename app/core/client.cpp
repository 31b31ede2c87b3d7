#include "core/client.h"

#include "core/e2e/e2e_engine.h"
#include "core/logging.h"
#include "core/store/account_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/secret_store.h"
#include "core/store/storage.h"
#include "core/sync/e2e_coordinator.h"
#include "core/sync/wire_convert.h"
#include "protocol/codec.h"

#include <QDateTime>

namespace tidings::client {

namespace {
bool isTransport(ErrorCode code) {
    return code == ErrorCode::Network || code == ErrorCode::Timeout;
}
} // namespace

Client::Client(Storage *store, SecretStore *secrets, Options options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_secrets(secrets)
    , m_connection(new Connection(options.connection, this))
    , m_sync(new SyncEngine(store, m_connection, options.sync, this))
    , m_typing(new TypingTracker(m_connection, options.typing, {}, this)) {
    if (auto a = m_store->accounts().account())
        m_account = *a;
    m_sync->setAccount(m_account);

    connect(m_connection, &Connection::opened, this, &Client::onOpened);
    connect(m_connection, &Connection::authenticated, this, &Client::onAuthenticated);
    connect(m_connection, &Connection::closed, this, &Client::onClosed);
    connect(m_connection, &Connection::stateChanged, this, &Client::connectionStateChanged);
    connect(m_connection, &Connection::pushReceived, this, &Client::handlePush);
    connect(m_sync, &SyncEngine::messagesReceived, this, &Client::messagesReceived);
    connect(m_sync, &SyncEngine::messageStored, this, &Client::messageStored);
    connect(m_sync, &SyncEngine::sendFailed, this, &Client::sendFailed);
    connect(m_sync, &SyncEngine::receiptChanged, this, &Client::receiptChanged);
    connect(m_sync, &SyncEngine::myReadChanged, this, &Client::myReadChanged);
    connect(m_sync, &SyncEngine::conversationChanged, this, &Client::conversationChanged);
    connect(m_typing, &TypingTracker::typingChanged, this, &Client::typingChanged);
    connect(m_sync, &SyncEngine::messagesReceived, this,
            [this](quint64 conversationId, const QList<MessageRecord> &messages) {
                for (const MessageRecord &m : messages)
                    m_typing->messageFrom(conversationId, m.senderUserId);
            });
    connect(m_sync, &SyncEngine::inboxDrained, this, &Client::inboxDrained);
    connect(m_sync, &SyncEngine::idle, this, &Client::syncIdle);
    connect(m_sync, &SyncEngine::storageFailed, this, &Client::storageFailed);
}

Client::~Client() {
    // The connection drops its pending handlers (which capture the engine) before either dies.
    delete m_connection;
    m_connection = nullptr;
}

void Client::registerAccount(const QUrl &server, const QString &username, const QString &password,
                             const QString &deviceName, AccountHandler done) {
    beginAccountOp(server, AccountOp{true, username, password, deviceName, std::move(done)});
}

void Client::login(const QUrl &server, const QString &username, const QString &password,
                   const QString &deviceName, AccountHandler done) {
    beginAccountOp(server, AccountOp{false, username, password, deviceName, std::move(done)});
}

void Client::beginAccountOp(const QUrl &server, AccountOp op) {
    if (!server.isValid() || (server.scheme() != u"ws" && server.scheme() != u"wss")) {
        op.done(Error{ErrorCode::Usage, QStringLiteral("server must be a ws:// or wss:// URL")});
        return;
    }
    m_connection->close();
    m_accountOp = std::move(op);
    m_account.serverUrl = server.toString();
    m_connection->open(server);
}

Status Client::start(const QUrl &server) {
    QUrl url = server.isEmpty() ? QUrl(m_account.serverUrl) : server;
    if (m_account.userId == 0)
        return Error{ErrorCode::Usage, QStringLiteral("no account in this profile: register or "
                                                      "log in first")};
    if (!url.isValid() || url.isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("no server address: pass --server")};
    auto token = m_secrets->read(kDeviceTokenKey);
    if (!token)
        return token.error();
    if (token->isEmpty())
        return Error{ErrorCode::Usage, QStringLiteral("no device token: log in again")};
    m_connection->open(url);
    return {};
}

void Client::stop() {
    m_waitingForSession.clear();
    m_connection->close();
}

void Client::onOpened() {
    Frame f;
    if (m_accountOp) {
        const auto &op = *m_accountOp;
        if (op.registering) {
            auto *r = f.mutable_register_request();
            r->set_username(op.username.toStdString());
            r->set_password(op.password.toStdString());
            r->set_device_name(op.deviceName.toStdString());
        } else {
            auto *r = f.mutable_login_request();
            r->set_username(op.username.toStdString());
            r->set_password(op.password.toStdString());
            r->set_device_name(op.deviceName.toStdString());
        }
        m_connection->request(std::move(f),
                              [this](Result<Frame> r) { onAccountResponse(std::move(r)); });
        return;
    }
    auto token = m_secrets->read(kDeviceTokenKey);
    if (!token || token->isEmpty()) {
        const Error e =
            token ? Error{ErrorCode::BadToken, QStringLiteral("no device token")} : token.error();
        stop();
        emit fatalError(e);
        return;
    }
    f.mutable_auth_request()->set_device_token(protocol::bytesToStd(*token));
    m_connection->request(std::move(f), [this](Result<Frame> r) { onAuthResponse(std::move(r)); });
}

void Client::onAccountResponse(Result<Frame> result) {
    if (!m_accountOp)
        return;
    if (!result) {
        failAccountOp(result.error());
        return;
    }
    if (result->body_case() != Frame::kLoginResponse) {
        failAccountOp(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer to login")});
        return;
    }
    const auto &lr = result->login_response();
    AccountSettings account;
    account.serverUrl = m_account.serverUrl;
    account.userId = lr.user_id();
    account.deviceId = lr.device_id();
    account.username = lr.username().empty() ? protocol::normalizeUsername(m_accountOp->username)
                                             : protocol::fromStd(lr.username());
    if (auto s = m_secrets->write(kDeviceTokenKey, protocol::bytesFromStd(lr.device_token())); !s) {
        failAccountOp(s.error());
        return;
    }
    if (auto s = m_store->accounts().saveAccount(account); !s) {
        failAccountOp(s.error());
        return;
    }
    if (m_engine) {
        // The device that creates the account creates its account key; a device logging in
        // gets it only by linking.
        if (auto keys = m_engine->ensureDeviceKeys(account.userId, account.deviceId,
                                                   m_accountOp->registering);
            !keys) {
            failAccountOp(keys.error());
            return;
        }
        m_e2e->setAccount(account);
    }
    m_account = account;
    m_sync->setAccount(account);
    AccountOp op = std::move(*m_accountOp);
    m_accountOp.reset();
    op.password.fill(QChar(0));
    m_connection->markAuthenticated();
    op.done(account);
}

void Client::failAccountOp(const Error &error) {
    if (!m_accountOp)
        return;
    AccountOp op = std::move(*m_accountOp);
    m_accountOp.reset();
    op.password.fill(QChar(0));
    m_connection->close();
    op.done(error);
}

void Client::onAuthResponse(Result<Frame> result) {
    if (result && result->body_case() == Frame::kAuthResponse) {
        const auto &ar = result->auth_response();
        if (ar.user_id() != m_account.userId || ar.device_id() != m_account.deviceId) {
            qCWarning(lcClient) << "server reports another identity for this token";
        }
        m_connection->markAuthenticated();
        return;
    }
    if (result) {
        m_connection->reconnect(QStringLiteral("unexpected answer to auth"));
        return;
    }
    const Error &e = result.error();
    if (isTransport(e.code))
        return; // the connection reconnects by itself
    if (e.code == ErrorCode::Internal || e.code == ErrorCode::RateLimited) {
        m_connection->reconnect(e.toString());
        return;
    }
    // BAD_TOKEN, NOT_AUTHENTICATED, FORBIDDEN...: retrying cannot help.
    qCWarning(lcClient) << "authentication refused:" << e.toString();
    stop();
    emit fatalError(e);
}

void Client::onAuthenticated() {
    if (m_e2e) {
        m_e2e->setAccount(m_account);
        m_e2e->onAuthenticated();
    }
    m_sync->onAuthenticated();
    setUpKeys();
    resubscribePresence();
    emit authenticated();
    const auto waiting = std::exchange(m_waitingForSession, {});
    for (const auto &action : waiting)
        action();
}

void Client::onClosed(const Error &reason) {
    m_sync->onDisconnected();
    if (m_e2e)
        m_e2e->onDisconnected();
    m_typing->onDisconnected();
    if (m_accountOp)
        failAccountOp(reason);
    emit disconnected(reason);
}

void Client::whenAuthenticated(std::function<void()> action) {
    if (m_connection->isAuthenticated())
        action();
    else
        m_waitingForSession.append(std::move(action));
}

void Client::openDirect(const QString &username, ConversationHandler done) {
    whenAuthenticated([this, username, done = std::move(done)]() mutable {
        Frame f;
        f.mutable_open_direct_request()->set_username(
            protocol::normalizeUsername(username).toStdString());
        m_connection->request(std::move(f), [this, username, done](Result<Frame> r) mutable {
            if (!r && isTransport(r.error().code)) {
                openDirect(username, std::move(done)); // again on the next session
                return;
            }
            if (!r) {
                done(r.error());
                return;
            }
            if (r->body_case() != Frame::kConversationInfo) {
                done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
                return;
            }
            const auto &ci = r->conversation_info();
            ConversationInfo info = conversationInfoFromWire(ci);
            info.kind = ConversationKind::Direct;
            if (auto s = m_store->conversations().applyConversationInfo(info, m_account.userId);
                !s) {
                done(s.error());
                return;
            }
            auto conv = m_store->conversations().conversation(ci.conversation_id());
            if (!conv)
                done(conv.error());
            else
                done(**conv);
        });
    });
}

Result<QString> Client::sendText(quint64 conversationId, const QString &text) {
    auto ids = m_sync->enqueueTexts(conversationId, {text});
    if (!ids)
        return ids.error();
    return ids->first();
}

Result<QStringList> Client::sendTexts(quint64 conversationId, const QStringList &texts) {
    return m_sync->enqueueTexts(conversationId, texts);
}

Result<quint64> Client::markRead(quint64 conversationId) {
    return m_sync->markRead(conversationId);
}

Result<QList<MessageRecord>> Client::history(quint64 conversationId, int limit) const {
    return m_store->messages().history(conversationId, limit);
}

void Client::flush(StatusHandler done, int timeoutMs) {
    if (!m_connection->isAuthenticated()) {
        done(Error{ErrorCode::Network, QStringLiteral("not connected")});
        return;
    }
    Frame f;
    f.mutable_ping()->set_client_time_ms(QDateTime::currentMSecsSinceEpoch());
    m_connection->request(
        std::move(f),
        [done = std::move(done)](Result<Frame> r) { done(r ? Status() : Status(r.error())); },
        timeoutMs);
}

Result<int> Client::unreadCount(quint64 conversationId) const {
    return m_store->messages().unreadCount(conversationId);
}

void Client::handlePush(const Frame &f) {
    if (!m_connection->isAuthenticated())
        return;
    switch (f.body_case()) {
    case Frame::kTypingPush:
        m_typing->handlePush(f.typing_push());
        break;
    case Frame::kPresencePush:
        emit presenceChanged(presenceFromWire(f.presence_push().presence()));
        break;
    case Frame::kKeysResponse:
        handleKeysPush(f.keys_response());
        break;
    case Frame::kLinkRelayPush:
        handleLinkRelay(f.link_relay_push());
        break;
    default:
        m_sync->handlePush(f);
        break;
    }
}

void Client::call(Frame frame, bool retry, std::function<void(Result<Frame>)> done) {
    whenAuthenticated([this, frame = std::move(frame), retry, done = std::move(done)]() mutable {
        Frame copy = frame;
        m_connection->request(std::move(copy), [this, frame = std::move(frame), retry,
                                                done = std::move(done)](Result<Frame> r) mutable {
            if (!r && retry && isTransport(r.error().code)) {
                call(std::move(frame), retry, std::move(done)); // on the next session
                return;
            }
            done(std::move(r));
        });
    });
}

void Client::okCall(Frame frame, StatusHandler done) {
    call(std::move(frame), false, [done = std::move(done)](Result<Frame> r) {
        if (!r)
            done(r.error());
        else if (r->body_case() != Frame::kOk)
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
        else
            done(Status());
    });
}

void Client::createGroup(const QString &name, const QStringList &usernames, InfoHandler done) {
    Frame f;
    auto *req = f.mutable_create_group_request();
    req->set_name(name.toStdString());
    for (const QString &u : usernames)
        req->add_usernames(protocol::normalizeUsername(u).toStdString());
    call(std::move(f), false, [this, done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kConversationInfo) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        ConversationInfo info = conversationInfoFromWire(r->conversation_info());
        info.kind = ConversationKind::Group;
        if (auto s = m_store->conversations().applyConversationInfo(info, m_account.userId); !s) {
            done(s.error());
            return;
        }
        emit conversationChanged(info.id);
        done(info);
    });
}

void Client::changeGroup(quint64 conversationId, GroupAction action, const QString &username,
                         const QString &name, StatusHandler done) {
    Frame f;
    auto *req = f.mutable_group_change_request();
    req->set_conversation_id(conversationId);
    using A = wire::GroupChangeRequest;
    switch (action) {
    case GroupAction::Add:
        req->set_action(A::ACTION_ADD);
        break;
    case GroupAction::Remove:
        req->set_action(A::ACTION_REMOVE);
        break;
    case GroupAction::Promote:
        req->set_action(A::ACTION_PROMOTE);
        break;
    case GroupAction::Demote:
        req->set_action(A::ACTION_DEMOTE);
        break;
    case GroupAction::Leave:
        req->set_action(A::ACTION_LEAVE);
        break;
    case GroupAction::Rename:
        req->set_action(A::ACTION_RENAME);
        break;
    }
    if (!username.isEmpty())
        req->set_username(protocol::normalizeUsername(username).toStdString());
    req->set_name(name.toStdString());
    const bool removal = action == GroupAction::Remove;
    okCall(std::move(f), [this, conversationId, removal, done = std::move(done)](Status s) {
        // The change is an ordered system event: fetch it (this device may get no push of it).
        if (s && m_connection->isAuthenticated())
            m_sync->refreshConversation(conversationId);
        // My next message must not be readable by the removed member: a new sender key.
        if (s && removal && m_engine) {
            if (auto r = m_engine->markRotationNeeded(conversationId); !r)
                qCWarning(lcClient) << "sender key rotation not marked:" << r.error().toString();
        }
        done(s);
    });
}

void Client::groupInfo(quint64 conversationId, InfoHandler done) {
    Frame f;
    f.mutable_group_info_request()->set_conversation_id(conversationId);
    call(std::move(f), true, [this, conversationId, done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kConversationInfo) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        ConversationInfo info = conversationInfoFromWire(r->conversation_info());
        info.id = conversationId;
        if (auto s = m_store->conversations().applyConversationInfo(info, m_account.userId); !s) {
            done(s.error());
            return;
        }
        emit conversationChanged(conversationId);
        done(info);
    });
}

void Client::readers(quint64 conversationId, quint64 seq, ReadersHandler done) {
    Frame f;
    f.mutable_readers_request()->set_conversation_id(conversationId);
    f.mutable_readers_request()->set_seq(seq);
    call(std::move(f), true, [conversationId, seq, done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kReadersResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        const auto &rr = r->readers_response();
        ReadersInfo info;
        info.conversationId = conversationId;
        info.seq = seq;
        info.recipients = int(rr.recipients());
        info.delivered = int(rr.delivered());
        info.read = int(rr.read());
        for (const auto &m : rr.members())
            info.members.append(memberFromWire(m));
        done(info);
    });
}

void Client::devices(DevicesHandler done) {
    Frame f;
    f.mutable_devices_request();
    call(std::move(f), true, [this, done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kDevicesResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        QList<DeviceInfo> out;
        for (const auto &d : r->devices_response().devices()) {
            DeviceInfo info = deviceFromWire(d);
            if (m_engine)
                info.fingerprint = info.deviceId == m_account.deviceId
                                       ? m_engine->myFingerprint()
                                       : m_engine->fingerprint({m_account.userId, info.deviceId});
            out.append(info);
        }
        done(out);
    });
}

void Client::revokeDevice(quint64 deviceId, StatusHandler done) {
    Frame f;
    f.mutable_revoke_device_request()->set_device_id(deviceId);
    okCall(std::move(f), [this, done = std::move(done)](Status s) {
        if (!s || !hasAccountKey()) {
            done(s);
            return;
        }
        // The revoked device leaves my signed list too (the server already stopped counting it).
        publishDeviceList([done](Status p) {
            if (!p)
                qCWarning(lcClient) << "device list not republished:" << p.error().toString();
            done({});
        });
    });
}

void Client::subscribePresence(const QStringList &usernames, PresenceHandler done) {
    QStringList normalized;
    for (const QString &u : usernames) {
        const QString n = protocol::normalizeUsername(u);
        if (!n.isEmpty() && !normalized.contains(n))
            normalized.append(n);
    }
    m_presenceSubscription = normalized;
    Frame f;
    auto *req = f.mutable_presence_subscribe_request();
    for (const QString &u : normalized)
        req->add_usernames(u.toStdString());
    call(std::move(f), true, [done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kPresenceResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        QList<PresenceInfo> out;
        for (const auto &p : r->presence_response().presences())
            out.append(presenceFromWire(p));
        done(out);
    });
}

void Client::resubscribePresence() {
    // The server keeps subscriptions per connection: a fresh socket starts with none.
    if (m_presenceSubscription.isEmpty())
        return;
    Frame f;
    auto *req = f.mutable_presence_subscribe_request();
    for (const QString &u : std::as_const(m_presenceSubscription))
        req->add_usernames(u.toStdString());
    m_connection->request(std::move(f), [this](Result<Frame> r) {
        if (!r || r->body_case() != Frame::kPresenceResponse)
            return;
        for (const auto &p : r->presence_response().presences())
            emit presenceChanged(presenceFromWire(p));
    });
}

void Client::setPrivacy(Visibility lastSeen, StatusHandler done) {
    Frame f;
    f.mutable_set_privacy_request()->set_last_seen(wire::Visibility(int(lastSeen)));
    okCall(std::move(f), std::move(done));
}

void Client::setTyping(quint64 conversationId, bool typing) {
    if (m_connection->isAuthenticated())
        m_typing->setTyping(conversationId, typing);
}

void Client::changeContact(ContactAction action, const QString &username, StatusHandler done) {
    Frame f;
    auto *req = f.mutable_contact_request();
    using A = wire::ContactRequest;
    switch (action) {
    case ContactAction::Add:
        req->set_action(A::ACTION_ADD);
        break;
    case ContactAction::Remove:
        req->set_action(A::ACTION_REMOVE);
        break;
    case ContactAction::Block:
        req->set_action(A::ACTION_BLOCK);
        break;
    case ContactAction::Unblock:
        req->set_action(A::ACTION_UNBLOCK);
        break;
    }
    req->set_username(protocol::normalizeUsername(username).toStdString());
    okCall(std::move(f), std::move(done));
}

void Client::contacts(ContactsHandler done) {
    Frame f;
    f.mutable_contacts_request();
    call(std::move(f), true, [done = std::move(done)](Result<Frame> r) {
        if (!r) {
            done(r.error());
            return;
        }
        if (r->body_case() != Frame::kContactsResponse) {
            done(Error{ErrorCode::BadFrame, QStringLiteral("unexpected answer")});
            return;
        }
        ContactsInfo out;
        const auto &cr = r->contacts_response();
        for (const auto &c : cr.contacts())
            out.contacts.append(contactFromWire(c));
        const int v = int(cr.last_seen());
        out.lastSeen = v >= 0 && v <= 2 ? Visibility(v) : Visibility::Everyone;
        done(out);
    });
}

} // namespace tidings::client
