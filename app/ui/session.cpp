#include "session.h"

#include "chat_actions.h"
#include "chat_events.h"
#include "models/app_settings.h"

#include "core/secrets/master_key.h"
#include "core/secrets/secret_store.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"
#include "core/store/storage.h"
#include "core/store/view_state_store.h"

#include <QDir>
#include <QFile>

namespace tidings::ui {

Result<std::unique_ptr<Session>> Session::open(const QString &dir,
                                               std::unique_ptr<client::SecretStore> secrets,
                                               client::Client::Options options) {
    QDir d(dir);
    if (!d.exists()) {
        if (!QDir().mkpath(dir))
            return Error{ErrorCode::Storage, QStringLiteral("cannot create %1").arg(dir)};
        QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                       QFileDevice::ExeOwner);
    }
    std::unique_ptr<Session> s(new Session);
    s->m_dir = d.absolutePath();
    const QString path = d.filePath(QStringLiteral("client.sqlite"));
    // The cache and the end-to-end keys are sealed with the master key from the keychain (or the
    // passphrase store when no keyring answers).
    auto key = client::loadOrCreateMasterKey(*secrets);
    if (!key)
        return key.error();
    auto store = client::Storage::open(path, *key);
    if (!store)
        return store.error();
    s->m_store = std::move(*store);
    s->m_secrets = std::move(secrets);
    s->m_client = std::make_unique<client::Client>(s->m_store.get(), s->m_secrets.get(), options);
    if (auto e2e = s->m_client->enableEncryption(); !e2e)
        return e2e.error();
    client::Client *c = s->m_client.get();
    client::Storage *storage = s->m_store.get();
    s->m_events = std::make_unique<ChatEvents>(&c->messaging(), &c->groups(), &storage->messages(),
                                               &c->account());
    s->m_actions = std::make_unique<ChatActions>(&c->messaging(), &storage->conversations(),
                                                 &storage->viewState(), s->m_events.get());
    s->m_settings = std::make_unique<AppSettings>(&storage->viewState());
    return s;
}

Session::~Session() {
    // The UI objects and the client use the stores until they are gone.
    m_settings.reset();
    m_actions.reset();
    m_events.reset();
    m_client.reset();
    m_store.reset();
}

quint64 Session::myUserId() const {
    return m_client->account().userId();
}

} // namespace tidings::ui
