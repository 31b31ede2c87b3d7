#pragma once
// One profile directory opened for the desktop app: the local storage (client.sqlite: the synced
// cache and the UI's view state), the secret store and the Client facade. Models and views get
// their dependencies from here; nothing is global.
#include "core/client.h"

#include <QObject>
#include <QString>

#include <memory>

namespace tidings::client {
class SecretStore;
class Storage;
} // namespace tidings::client

namespace tidings::ui {

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
    QString directory() const { return m_dir; }
    quint64 myUserId() const;
    bool hasAccount() const { return myUserId() != 0; }

    //! Sends `text` to the chat and announces the change (chatChanged).
    Result<QString> sendText(quint64 conversationId, const QString &text);
    //! Marks the chat read up to the newest stored message (when something is unread).
    void markRead(quint64 conversationId);
    void setPinned(quint64 conversationId, bool pinned);
    void setMuted(quint64 conversationId, bool muted);
    void saveDraft(quint64 conversationId, const QString &text);

signals:
    //! Anything about a chat changed: messages, receipts, read state, prefs, draft.
    void chatChanged(quint64 conversationId);
    //! A message of someone else arrived (after storing), for notifications.
    void incoming(quint64 conversationId, const tidings::client::MessageRecord &message);
    //! The account of the profile was created or logged in.
    void accountReady();

private:
    Session() = default;
    void wire();

    QString m_dir;
    std::unique_ptr<client::Storage> m_store;
    std::unique_ptr<client::SecretStore> m_secrets;
    std::unique_ptr<client::Client> m_client;
};

} // namespace tidings::ui
