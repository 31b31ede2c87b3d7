#include "core/secrets/keychain_secret_store.h"

#include "core/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QSemaphore>
#include <QThread>

#include <qt6keychain/keychain.h>

#include <memory>

namespace tidings::client {

namespace {

struct Outcome {
    QSemaphore done;
    QKeychain::Error error = QKeychain::NoError;
    QString errorString;
    QByteArray data;
};

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

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service, QString account, int timeoutMs)
    : m_service(std::move(service))
    , m_account(std::move(account))
    , m_timeoutMs(timeoutMs) {
    m_broken = !sessionBusLikely();
    if (m_broken)
        return;
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("keychain"));
    m_worker = new QObject;
    m_worker->moveToThread(m_thread);
    QObject::connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

KeychainSecretStore::~KeychainSecretStore() {
    if (!m_thread)
        return;
    m_thread->quit();
    // A thread stuck inside the keychain cannot be joined; it is left to the process exit.
    if (m_thread->wait(m_broken ? 100 : 2000))
        delete m_thread;
}

bool KeychainSecretStore::probe() {
    auto r = run(Op::Read, QStringLiteral("probe"), {});
    return r.ok();
}

Result<QByteArray> KeychainSecretStore::read(const QString &key) {
    return run(Op::Read, key, {});
}

Status KeychainSecretStore::write(const QString &key, const QByteArray &value) {
    auto r = run(Op::Write, key, value);
    return r ? Status() : Status(r.error());
}

Status KeychainSecretStore::remove(const QString &key) {
    auto r = run(Op::Remove, key, {});
    return r ? Status() : Status(r.error());
}

Result<QByteArray> KeychainSecretStore::run(Op op, const QString &key, const QByteArray &value) {
    if (m_broken)
        return Error{ErrorCode::Storage, QStringLiteral("the keychain does not answer")};
    auto outcome = std::make_shared<Outcome>();
    const QString entry = m_account + QLatin1Char('/') + key;
    QMetaObject::invokeMethod(
        m_worker,
        [op, entry, value, service = m_service, outcome] {
            QKeychain::Job *job = nullptr;
            switch (op) {
            case Op::Read:
                job = new QKeychain::ReadPasswordJob(service);
                break;
            case Op::Write: {
                auto *w = new QKeychain::WritePasswordJob(service);
                w->setBinaryData(value);
                job = w;
                break;
            }
            case Op::Remove:
                job = new QKeychain::DeletePasswordJob(service);
                break;
            }
            job->setAutoDelete(true);
            job->setKey(entry);
            QObject::connect(job, &QKeychain::Job::finished, job, [outcome](QKeychain::Job *j) {
                outcome->error = j->error();
                outcome->errorString = j->errorString();
                if (auto *r = qobject_cast<QKeychain::ReadPasswordJob *>(j))
                    outcome->data = r->binaryData();
                outcome->done.release();
            });
            job->start();
        },
        Qt::QueuedConnection);
    if (!outcome->done.tryAcquire(1, m_timeoutMs)) {
        qCWarning(lcStore) << "the keychain did not answer within" << m_timeoutMs << "ms";
        m_broken = true;
        return Error{ErrorCode::Timeout, QStringLiteral("the keychain did not answer")};
    }
    if (outcome->error == QKeychain::EntryNotFound && op != Op::Write)
        return QByteArray();
    if (outcome->error != QKeychain::NoError) {
        qCWarning(lcStore) << "keychain error" << outcome->error;
        return Error{ErrorCode::Storage, QStringLiteral("keychain: %1").arg(outcome->errorString)};
    }
    return outcome->data;
}

} // namespace tidings::client
