#include "session.h"

#include "core/store/conversation_store.h"
#include "core/store/master_key.h"
#include "core/store/message_store.h"
#include "core/store/secret_store.h"
#include "core/store/storage.h"
#include "core/store/view_state_store.h"
#include "ui_logging.h"

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
    s->wire();
    return s;
}

Session::~Session() {
    // The client uses the stores until it is gone.
    m_client.reset();
    m_store.reset();
}

quint64 Session::myUserId() const {
    return m_client->account().userId;
}

void Session::wire() {
    using client::Client;
    connect(m_client.get(), &Client::messagesReceived, this,
            [this](quint64 conversationId, const QList<client::MessageRecord> &messages) {
                emit chatChanged(conversationId);
                for (const auto &m : messages)
                    emit incoming(conversationId, m);
            });
    connect(m_client.get(), &Client::messageStored, this,
            [this](const QString &, quint64 conversationId, quint64, bool) {
                emit chatChanged(conversationId);
            });
    connect(m_client.get(), &Client::receiptChanged, this,
            [this](quint64 conversationId, quint64, quint64, quint64) {
                emit chatChanged(conversationId);
            });
    connect(m_client.get(), &Client::sendFailed, this,
            [this](const QString &clientId, const Error &) {
                if (auto m = m_store->messages().messageByClientId(clientId, myUserId());
                    m && m->has_value())
                    emit chatChanged((*m)->conversationId);
            });
    connect(m_client.get(), &Client::myReadChanged, this,
            [this](quint64 conversationId, quint64) { emit chatChanged(conversationId); });
    connect(m_client.get(), &Client::conversationChanged, this, &Session::chatChanged);
}

Result<QString> Session::sendText(quint64 conversationId, const QString &text) {
    auto id = m_client->sendText(conversationId, text);
    if (id)
        emit chatChanged(conversationId);
    else
        qCWarning(lcUi) << "send failed:" << id.error().toString();
    return id;
}

void Session::markRead(quint64 conversationId) {
    auto conv = m_store->conversations().conversation(conversationId);
    if (!conv || !conv->has_value() || (*conv)->lastContiguousSeq <= (*conv)->myReadSeq)
        return;
    auto seq = m_client->markRead(conversationId);
    if (seq && *seq > 0)
        emit chatChanged(conversationId);
}

void Session::setPinned(quint64 conversationId, bool pinned) {
    if (m_store->viewState().setPinned(conversationId, pinned))
        emit chatChanged(conversationId);
}

void Session::setMuted(quint64 conversationId, bool muted) {
    if (m_store->viewState().setMuted(conversationId, muted))
        emit chatChanged(conversationId);
}

void Session::saveDraft(quint64 conversationId, const QString &text) {
    auto old = m_store->viewState().draft(conversationId);
    if (old && *old == text)
        return;
    if (m_store->viewState().setDraft(conversationId, text))
        emit chatChanged(conversationId);
}

} // namespace tidings::ui
