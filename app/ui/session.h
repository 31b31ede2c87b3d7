#pragma once
// One profile directory opened for the desktop app: the local storage (client.sqlite: the synced
// cache and the UI's view state, one Storage), the secret store and the Client with its feature
// modules, plus the UI-side objects shared by several views (ChatEvents, ChatActions,
// AppSettings). MainWindow composes its views from these; views themselves get only what they
// use (feature modules, the stores they read), never the Session.
#include "core/client.h"

#include <QObject>
#include <QString>

#include <memory>

namespace tidings::client {
class SecretStore;
class Storage;
} // namespace tidings::client

namespace tidings::ui {

class AppSettings;
class ChatActions;
class ChatEvents;

class Session : public QObject {
    Q_OBJECT
public:
    //! Opens (creating if needed) the profile in `dir`. The session owns `secrets`.
    static Result<std::unique_ptr<Session>> open(const QString &dir,
                                                 std::unique_ptr<client::SecretStore> secrets,
                                                 client::Client::Options options = {});
    ~Session() override;

    client::Client *client() const { return m_client.get(); }
    client::Storage *store() const { return m_store.get(); }
    client::SecretStore *secrets() const { return m_secrets.get(); }
    ChatEvents *chatEvents() const { return m_events.get(); }
    ChatActions *chatActions() const { return m_actions.get(); }
    AppSettings *settings() const { return m_settings.get(); }
    QString directory() const { return m_dir; }
    quint64 myUserId() const;
    bool hasAccount() const { return myUserId() != 0; }

private:
    Session() = default;

    QString m_dir;
    std::unique_ptr<client::Storage> m_store;
    std::unique_ptr<client::SecretStore> m_secrets;
    std::unique_ptr<client::Client> m_client;
    std::unique_ptr<ChatEvents> m_events;
    std::unique_ptr<ChatActions> m_actions;
    std::unique_ptr<AppSettings> m_settings;
};

} // namespace tidings::ui
