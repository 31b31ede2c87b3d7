#include "core/media/transfer_runner.h"

#include "core/logging.h"
#include "core/store/storage.h"

#include <QNetworkReply>

namespace tidings::client {

TransferRunner::TransferRunner(TransferEnv env, TransferJob job, QObject *parent)
    : QObject(parent)
    , m_env(env)
    , m_job(std::move(job))
    , m_cancel(std::make_shared<std::atomic_bool>(false))
    , m_backoff(env.retryBaseMs, env.retryCapMs) {
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] {
        if (m_stopped || !m_again)
            return;
        emit running();
        std::exchange(m_again, {})();
    });
}

TransferRunner::~TransferRunner() {
    stop();
}

void TransferRunner::stop() {
    if (m_stopped)
        return;
    m_stopped = true;
    *m_cancel = true;
    m_retry.stop();
    m_again = {};
    if (m_reply) {
        // Its finished() handler must not reach this runner any more. Only the media client's
        // handlers are cut: the reply's other connections are Qt's own, and abort() reaches the
        // HTTP thread through one of them (with every connection cut, the request went on in the
        // background and the server kept waiting for the rest of the chunk).
        QNetworkReply *reply = m_reply;
        reply->disconnect(m_env.http);
        reply->abort();
        reply->deleteLater();
    }
}

void TransferRunner::retryNow() {
    if (m_retry.isActive()) {
        m_retry.stop();
        m_retry.start(0);
    }
}

void TransferRunner::retryLater(const Error &reason, std::function<void()> again) {
    if (m_stopped)
        return;
    int delay = m_backoff.nextDelayMs();
    if (reason.retryAfterMs > 0)
        delay = std::max(delay, int(reason.retryAfterMs));
    ++m_job.attempts;
    qCInfo(lcMedia) << (m_job.upload ? "upload" : "download") << "of message row"
                    << m_job.messageRowId << "waits" << delay
                    << "ms:" << errorCodeName(reason.code);
    m_again = std::move(again);
    m_retry.start(delay);
    emit waiting(reason);
}

void TransferRunner::noToken(const Error &reason, std::function<void()> again) {
    switch (reason.code) {
    case ErrorCode::BadToken:
    case ErrorCode::NotAuthenticated:
    case ErrorCode::Forbidden:
        fail(reason); // logged out or revoked: waiting cannot help (retry() after a new login)
        return;
    default:
        retryLater(reason, std::move(again));
        return;
    }
}

void TransferRunner::succeed() {
    if (!m_stopped)
        emit finished(Status());
}

void TransferRunner::fail(const Error &error) {
    if (m_stopped)
        return;
    qCInfo(lcMedia) << (m_job.upload ? "upload" : "download") << "of message row"
                    << m_job.messageRowId << "failed:" << errorCodeName(error.code);
    emit finished(error);
}

Status TransferRunner::saveJob() {
    return m_env.store->transfers().putJob(m_job);
}

} // namespace tidings::client
