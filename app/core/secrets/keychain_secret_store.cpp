#include "core/secrets/keychain_secret_store.h"

#include "core/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QThread>

#include <qt6keychain/keychain.h>
#include <sodium.h>

namespace tidings::client {

//! Lives on the worker thread and runs the QtKeychain jobs there. Its signal reaches the store
//! queued; when the store is gone the connection is gone with it, and the answer is dropped.
class KeychainWorker : public QObject {
    Q_OBJECT
signals:
    void finished(quint64 id, int error, const QString &errorString, const QByteArray &data);
};

namespace {

//! Without a session bus the libsecret backend cannot answer (and may block): skip it.
bool sessionBusLikely() {
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    if (!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        return true;
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return !runtime.isEmpty() && QFileInfo::exists(QDir(runtime).filePath(QStringLiteral("bus")));
#else
    return true;
#endif
}

//! Wipes the buffer in place, without detaching: a secret that came through a queued signal is
//! shared with the copies Qt made on the way, and a detaching write would wipe only a new copy.
void wipeShared(QByteArray &bytes) {
    if (!bytes.isEmpty())
        sodium_memzero(const_cast<char *>(bytes.constData()), size_t(bytes.size()));
    bytes = QByteArray();
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service, QString account, QObject *parent)
    : QObject(parent)
    , m_service(std::move(service))
    , m_account(std::move(account)) {
    if (!sessionBusLikely())
        return;
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("keychain"));
    m_worker = new KeychainWorker;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    connect(m_worker, &KeychainWorker::finished, this, &KeychainSecretStore::onFinished,
            Qt::QueuedConnection);
    m_thread->start();
}

KeychainSecretStore::~KeychainSecretStore() {
    if (!m_thread)
        return;
    // No wait: the thread deletes itself (and the worker) once its loop has ended, which a job
    // stuck in the backend may delay until the process exits.
    disconnect(m_worker, nullptr, this, nullptr);
    m_thread->quit();
}

Error KeychainSecretStore::toError(int keychainError, const QString &text) {
    switch (keychainError) {
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return Error{ErrorCode::Network, QStringLiteral("no keyring: %1").arg(text)};
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return Error{ErrorCode::Forbidden, text};
    default:
        // D-Bus says so when no Secret Service is installed at all (the bus name is dotted;
        // the keyring's own errors name object paths with slashes). That is "no keyring",
        // not a keyring that answered with an error.
        if (text.contains(QLatin1String("org.freedesktop.secrets")))
            return Error{ErrorCode::Network, QStringLiteral("no keyring: %1").arg(text)};
        return Error{ErrorCode::Storage, text};
    }
}

void KeychainSecretStore::readAsync(const QString &key, ReadHandler done) {
    run(Op::Read, key, {}, Pending{Op::Read, std::move(done), nullptr});
}

void KeychainSecretStore::writeAsync(const QString &key, const crypto::SecretBytes &value,
                                     StatusHandler done) {
    // QtKeychain takes a QByteArray (and keeps a copy of its own while the job lives).
    QByteArray bytes(value.constChar(), qsizetype(value.size()));
    run(Op::Write, key, std::move(bytes), Pending{Op::Write, nullptr, std::move(done)});
}

void KeychainSecretStore::removeAsync(const QString &key, StatusHandler done) {
    run(Op::Remove, key, {}, Pending{Op::Remove, nullptr, std::move(done)});
}

void KeychainSecretStore::run(Op op, const QString &key, QByteArray value, Pending pending) {
    const quint64 id = m_nextId++;
    m_pending.emplace(id, std::move(pending));
    if (!m_thread) {
        wipeShared(value);
        // Asynchronous like every other answer of this store.
        QMetaObject::invokeMethod(
            this,
            [this, id] {
                onFinished(id, QKeychain::NoBackendAvailable,
                           QStringLiteral("no session bus to reach a keyring"), {});
            },
            Qt::QueuedConnection);
        return;
    }
    const QString entry = m_account + QLatin1Char('/') + key;
    KeychainWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, op, id, entry, value = std::move(value), service = m_service]() mutable {
            QKeychain::Job *job = nullptr;
            switch (op) {
            case Op::Read:
                job = new QKeychain::ReadPasswordJob(service);
                break;
            case Op::Write: {
                auto *w = new QKeychain::WritePasswordJob(service);
                // QtKeychain keeps its own copy until the job is deleted: out of our reach.
                w->setBinaryData(value);
                value = QByteArray();
                job = w;
                break;
            }
            case Op::Remove:
                job = new QKeychain::DeletePasswordJob(service);
                break;
            }
            // Not a child of the worker: a pending job must never be deleted (the backend's
            // callback would reach freed memory). It deletes itself once it has answered.
            job->setAutoDelete(true);
            job->setKey(entry);
            QObject::connect(job, &QKeychain::Job::finished, worker,
                             [worker, id](QKeychain::Job *j) {
                                 QByteArray data;
                                 if (auto *r = qobject_cast<QKeychain::ReadPasswordJob *>(j))
                                     data = r->binaryData();
                                 // The receiving side wipes this buffer (shared with the job's)
                                 // when done.
                                 emit worker->finished(id, int(j->error()), j->errorString(), data);
                             });
            job->start();
        },
        Qt::QueuedConnection);
}

void KeychainSecretStore::onFinished(quint64 id, int error, const QString &errorString,
                                     QByteArray data) {
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    Pending pending = std::move(it->second);
    m_pending.erase(it);
    if (error == QKeychain::EntryNotFound && pending.op != Op::Write)
        error = QKeychain::NoError;
    if (error != QKeychain::NoError) {
        const Error e = toError(error, errorString);
        qCWarning(lcStore) << "keychain error" << error << e.toString();
        wipeShared(data);
        if (pending.read)
            pending.read(e);
        else if (pending.status)
            pending.status(e);
        return;
    }
    if (pending.read) {
        crypto::SecretBytes secret =
            crypto::SecretBytes::fromRaw(data.constData(), size_t(data.size()));
        wipeShared(data);
        if (!secret.valid()) {
            pending.read(
                Error{ErrorCode::Internal, QStringLiteral("cannot allocate secure memory")});
            return;
        }
        pending.read(std::move(secret));
    } else if (pending.status) {
        pending.status({});
    }
}

} // namespace tidings::client

#include "keychain_secret_store.moc"
