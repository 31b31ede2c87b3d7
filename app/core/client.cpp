#include "core/client.h"

#include "core/store/storage.h"

namespace tidings::client {

Client::Client(Storage *store, SecretStore *secrets, Options options, QObject *parent)
    : QObject(parent)
    , m_connection(new Connection(options.connection, this))
    , m_requests(m_connection)
    , m_sync(new SyncEngine(store, m_connection, options.sync, this))
    , m_account(std::make_unique<Account>(&store->accounts(), secrets, m_connection, &m_requests))
    , m_messaging(std::make_unique<Messaging>(store, m_sync, &m_requests, m_account.get()))
    , m_groups(std::make_unique<Groups>(&store->conversations(), &store->groupStates(), &m_requests,
                                        m_account.get()))
    , m_keys(std::make_unique<Keys>(store, m_sync, &m_requests, m_account.get(), m_messaging.get()))
    , m_devices(std::make_unique<Devices>(&m_requests, m_account.get(), m_keys.get()))
    , m_presence(std::make_unique<Presence>(&m_requests, options.typing))
    , m_contacts(std::make_unique<Contacts>(&store->accounts(), &m_requests, m_account.get()))
    , m_media(std::make_unique<Media>(
          store, m_sync, &m_requests,
          [this] {
              // The socket's address (a --server override included), else the saved one.
              const QUrl url = m_connection ? m_connection->url() : QUrl();
              return url.isValid() ? url : QUrl(m_account->settings().serverUrl);
          },
          options.media)) {
    m_sync->setAccount(m_account->settings());
    m_keys->setResendsPerMinute(options.resendsPerMinute);
    m_groups->setKeys(m_keys.get());
    m_media->setCertificatePin([this] { return m_account->trustedCertificate(); });
    // Groups older than signed state get it from their first admin online (once a run each).
    connect(m_messaging.get(), &Messaging::syncIdle, m_groups.get(), &Groups::foundLegacyGroups);
    // A handed-on account key is recorded in signed groups (SET_KEY), then, and at idle syncs
    // after a crash or a lost connection.
    connect(m_devices.get(), &Devices::accountKeyChanged, m_groups.get(),
            &Groups::onAccountKeyChanged);
    connect(m_messaging.get(), &Messaging::syncIdle, m_groups.get(), &Groups::recordOwnKey);

    connect(m_connection, &Connection::opened, m_account.get(), &Account::onSocketOpened);
    connect(m_connection, &Connection::authenticated, this, &Client::onAuthenticated);
    connect(m_connection, &Connection::closed, this, &Client::onClosed);
    connect(m_connection, &Connection::stateChanged, this, &Client::connectionStateChanged);
    connect(m_connection, &Connection::pushReceived, this, &Client::routePush);
    connect(m_connection, &Connection::serverError, m_account.get(), &Account::onServerError);
    connect(m_connection, &Connection::certificateRefused, this, &Client::certificateRefused);

    m_account->setAccountHook([this](const AccountSettings &account, bool registering) {
        return m_keys->createDeviceKeys(account, registering);
    });
    connect(m_account.get(), &Account::accountChanged, this, [this] {
        m_sync->setAccount(m_account->settings());
        m_keys->onAccountChanged();
    });
    connect(m_account.get(), &Account::fatalError, this, &Client::fatalError);
    connect(m_account.get(), &Account::fatalError, m_media.get(), &Media::onSessionEnded);
    connect(m_messaging.get(), &Messaging::messagesReceived, m_presence.get(),
            &Presence::onMessages);
    connect(m_messaging.get(), &Messaging::messagesReceived, m_media.get(),
            &Media::onMessagesReceived);
    connect(m_groups.get(), &Groups::changed, this, [this](quint64 id, GroupAction action) {
        // The change is an ordered system event: fetch it (this device may get no push of it).
        if (m_connection->isAuthenticated())
            m_messaging->refreshConversation(id);
        // My next message must not be readable by the removed member: a new sender key.
        if (action == GroupAction::Remove)
            m_keys->rotateSenderKey(id);
    });
}

Client::~Client() {
    // Transfers stop first (their token requests wait on the requester and the connection).
    m_media.reset();
    // The connection drops its pending handlers (which capture the modules) before they die.
    delete m_connection;
    m_connection = nullptr;
}

Status Client::enableEncryption() {
    return m_keys->enable();
}

Status Client::start(const QUrl &server) {
    return m_account->start(server);
}

void Client::stop() {
    m_account->stop();
    m_media->onSessionEnded(Error{ErrorCode::Network, QStringLiteral("the client stopped")});
}

void Client::onAuthenticated() {
    m_keys->onSessionStarting();
    m_sync->onAuthenticated();
    m_keys->setUpKeys();
    m_presence->onAuthenticated();
    m_media->onAuthenticated();
    emit authenticated();
    m_requests.sessionStarted();
}

void Client::onClosed(const Error &reason) {
    m_sync->onDisconnected();
    m_keys->onDisconnected();
    m_presence->onDisconnected();
    m_account->onSocketClosed(reason);
    emit disconnected(reason);
}

void Client::routePush(const Frame &frame) {
    if (!m_connection->isAuthenticated())
        return;
    switch (frame.body_case()) {
    case Frame::kTypingPush:
        m_presence->handleTypingPush(frame.typing_push());
        break;
    case Frame::kPresencePush:
        m_presence->handlePresencePush(frame.presence_push());
        break;
    case Frame::kKeysResponse:
        m_keys->handleKeysPush(frame.keys_response());
        break;
    case Frame::kAccountKeyPush:
        m_devices->handleAccountKeyPush(frame.account_key_push());
        break;
    case Frame::kLinkRelayPush:
        m_devices->handleLinkRelay(frame.link_relay_push());
        break;
    default:
        m_messaging->handlePush(frame); // messages, receipts, inbox drained: the sync engine's
        break;
    }
}

} // namespace tidings::client
