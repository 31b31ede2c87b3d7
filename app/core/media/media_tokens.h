#pragma once
// The bearer token of media requests: asked for over the WebSocket (MediaTokenRequest), kept
// while it is valid, renewed before it expires (a request that needs one within the renewal
// margin gets a fresh one), dropped after a 401. Concurrent callers share one request. The token
// is a secret: never logged.
#include "core/net/requester.h"

#include <QByteArray>
#include <QList>

#include <functional>
#include <memory>
#include <optional>

namespace tidings::client {

struct MediaToken {
    QByteArray token;
    qint64 expiresAtMs = 0; //!< on this device's clock (the server's lifetime, from receipt)
    quint64 maxFileBytes = 0;
    quint32 chunkBytes = 0;
    quint64 quotaBytes = 0;
    quint64 usedBytes = 0;
};

class MediaTokens {
public:
    //! renewMarginMs: a token with less than this left is renewed before use.
    explicit MediaTokens(Requester *requests, qint64 renewMarginMs = 60'000);
    MediaTokens(const MediaTokens &) = delete;
    MediaTokens &operator=(const MediaTokens &) = delete;

    using Done = std::function<void(Result<MediaToken>)>;
    //! A valid token (at once when one is cached), else asks the server once a session is up.
    void get(Done done);
    //! The server refused the token (401): the next get() asks for a new one.
    void invalidate();
    //! The client stopped or was signed out: the request for a token was dropped unanswered (the
    //! requester drops what waits for a session), so every waiting caller gets `error` now.
    //! `lasting` (signed out): every get() gets `error` at once until sessionStarted(); else the
    //! next get() asks again.
    void fail(const Error &error, bool lasting);
    void sessionStarted() { m_refusal.reset(); }
    //! The last token's limits, if one was ever fetched.
    const std::optional<MediaToken> &last() const { return m_token; }
    int fetches() const { return m_fetches; }

private:
    void fetch();

    Requester *m_requests;
    qint64 m_renewMarginMs;
    std::optional<MediaToken> m_token;
    std::optional<Error> m_refusal; //!< signed out: no token until the next session
    bool m_valid = false;
    QList<Done> m_waiting;
    int m_fetches = 0;
    //! Bumped by invalidate(): an answer to an older request is not trusted as current.
    quint64 m_generation = 0;
    //! Answers that arrive after this object is gone (a request outlives it) are dropped.
    std::shared_ptr<int> m_alive = std::make_shared<int>(0);
};

} // namespace tidings::client
