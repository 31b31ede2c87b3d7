#pragma once
// A keyring test double that answers late: only when the test says so (answerNext, fail,
// answerAll), or by itself after a delay (answerAfter). Keeps what is written, counts requests.
// Like the real one, it never answers after its destruction.
#include "core/secrets/secret_store.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

#include <optional>

namespace tidings::test {

class LateKeyring : public client::AsyncSecretStore {
public:
    enum class Kind { Read, Write, Remove };
    struct Request {
        Kind kind;
        QString key;
        QByteArray value;
        ReadHandler read;
        StatusHandler status;
    };

    void readAsync(const QString &key, ReadHandler done) override {
        ++reads;
        add(Request{Kind::Read, key, {}, std::move(done), nullptr});
    }
    void writeAsync(const QString &key, const crypto::SecretBytes &value,
                    StatusHandler done) override {
        ++writes;
        add(Request{Kind::Write, key, QByteArray(value.constChar(), qsizetype(value.size())),
                    nullptr, std::move(done)});
    }
    void removeAsync(const QString &key, StatusHandler done) override {
        ++removes;
        add(Request{Kind::Remove, key, {}, nullptr, std::move(done)});
    }

    int pending() const { return int(m_pending.size()); }
    //! Answers the oldest request as a working keyring would.
    void answerNext() {
        if (m_pending.isEmpty())
            return;
        Request r = m_pending.takeFirst();
        switch (r.kind) {
        case Kind::Read: {
            const QByteArray v = values.value(r.key);
            r.read(crypto::SecretBytes::fromRaw(v.constData(), size_t(v.size())));
            break;
        }
        case Kind::Write:
            values.insert(r.key, r.value);
            r.status({});
            break;
        case Kind::Remove:
            values.remove(r.key);
            r.status({});
            break;
        }
    }
    //! Answers the oldest request with `error` (the user cancelled the prompt, ...).
    void fail(const Error &error) {
        if (m_pending.isEmpty())
            return;
        Request r = m_pending.takeFirst();
        if (r.read)
            r.read(error);
        else
            r.status(error);
    }
    //! Answers everything pending, and from now on every request at once (queued).
    void answerAll() {
        m_answerAfterMs = 0;
        while (!m_pending.isEmpty())
            answerNext();
    }
    //! From now on every request is answered `ms` after it arrives (and so are pending ones).
    void answerAfter(int ms) {
        m_answerAfterMs = ms;
        for (int i = 0; i < m_pending.size(); ++i)
            QTimer::singleShot(ms, &m_context, [this] { answerNext(); });
    }
    //! Back to answering only when told.
    void answerOnlyWhenTold() { m_answerAfterMs = -1; }
    //! Every later request fails with `error` (queued).
    void failAll(const Error &error) { m_failWith = error; }

    QHash<QString, QByteArray> values;
    int reads = 0;
    int writes = 0;
    int removes = 0;

private:
    void add(Request r) {
        m_pending.append(std::move(r));
        if (m_failWith)
            QTimer::singleShot(0, &m_context, [this] { fail(*m_failWith); });
        else if (m_answerAfterMs >= 0)
            QTimer::singleShot(m_answerAfterMs, &m_context, [this] { answerNext(); });
    }

    QList<Request> m_pending;
    int m_answerAfterMs = -1; //!< < 0: only when told
    std::optional<Error> m_failWith;
    QObject m_context; //!< the timers die with the double
};

} // namespace tidings::test
