#pragma once
// The composition root of the client core, driven by the CLI and the desktop app: it builds the
// connection, the sync engine and the feature modules over one Storage and SecretStore, routes
// the socket's events and pushes to the modules that own them, and runs the session lifecycle.
// Features live in the modules: client.groups().create(...), client.messaging().sendText(...),
// client.media().sendFiles(...).
#include "core/account/account.h"
#include "core/contacts/contacts.h"
#include "core/devices/devices.h"
#include "core/groups/groups.h"
#include "core/keys/keys.h"
#include "core/media/media.h"
#include "core/messaging/messaging.h"
#include "core/net/connection.h"
#include "core/net/requester.h"
#include "core/presence/presence.h"
#include "core/sync/sync_engine.h"

#include <QObject>
#include <QUrl>

#include <memory>

namespace tidings::client {

class SecretStore;
class Storage;

class Client : public QObject {
    Q_OBJECT
public:
    struct Options {
        Connection::Options connection;
        SyncEngine::Options sync;
        TypingTracker::Options typing;
        Media::Options media;
        //! Resend requests answered per requesting device a minute (E2eReceiver).
        int resendsPerMinute = 60;
    };

    Client(Storage *store, SecretStore *secrets, Options options, QObject *parent = nullptr);
    Client(Storage *store, SecretStore *secrets, QObject *parent = nullptr)
        : Client(store, secrets, Options{}, parent) {}
    ~Client() override;

    // --- lifecycle ---------------------------------------------------------------------------
    //! Turns end-to-end encryption on for this profile (see Keys::enable). Call once, before
    //! start() or account().registerAccount()/login().
    Status enableEncryption();
    bool isEncrypted() const { return m_keys->isEnabled(); }
    //! Connects with the saved token and keeps reconnecting until stop().
    Status start(const QUrl &server = QUrl());
    void stop();
    bool isAuthenticated() const { return m_connection->isAuthenticated(); }
    Connection *connection() const { return m_connection; }

    // --- feature modules ---------------------------------------------------------------------
    Account &account() { return *m_account; }
    const Account &account() const { return *m_account; }
    Messaging &messaging() { return *m_messaging; }
    Groups &groups() { return *m_groups; }
    Devices &devices() { return *m_devices; }
    Presence &presence() { return *m_presence; }
    Contacts &contacts() { return *m_contacts; }
    Keys &keys() { return *m_keys; }
    Media &media() { return *m_media; }

signals:
    void authenticated();
    void connectionStateChanged(tidings::client::Connection::State state);
    void disconnected(const tidings::Error &reason);
    //! The session cannot continue (e.g. the device token was revoked); the client stopped.
    void fatalError(const tidings::Error &error);
    //! The server's TLS certificate was refused (UntrustedCertificate: not trusted yet, the
    //! detail names its fingerprint; CertificateChanged: not the trusted one). The connection
    //! stopped: Account::trustServerCertificate() and start() again, or give up.
    void certificateRefused(const tidings::Error &error);

private:
    void onAuthenticated();
    void onClosed(const Error &reason);
    //! Routes a server push to the module that owns it.
    void routePush(const Frame &frame);

    Connection *m_connection;
    Requester m_requests;
    SyncEngine *m_sync;
    std::unique_ptr<Account> m_account;
    std::unique_ptr<Messaging> m_messaging;
    std::unique_ptr<Groups> m_groups;
    std::unique_ptr<Keys> m_keys;
    std::unique_ptr<Devices> m_devices;
    std::unique_ptr<Presence> m_presence;
    std::unique_ptr<Contacts> m_contacts;
    std::unique_ptr<Media> m_media;
};

} // namespace tidings::client
