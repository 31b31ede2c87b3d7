#include "services/messaging.h"

#include "db/pg_connection.h"
#include "gateway/session.h"
#include "protocol/limits.h"
#include "routing/router.h"
#include "server_logging.h"

#include <QDateTime>

namespace tidings::server {

namespace {
Error internal(const PgResult &r)
{
    qCWarning(lcMessaging) << "database error:" << r.error().detail;
    return Error{ErrorCode::Internal, QStringLiteral("database error, try again")};
}

Error notMember()
{
    return Error{ErrorCode::NotMember, QStringLiteral("you are not a member of this conversation")};
}

constexpr const char *kMessageColumns =
    "m.conversation_id, m.seq, m.sender_user_id, m.sender_device_id, u.username, "
    "m.client_message_id, (extract(epoch FROM m.created_at) * 1000)::bigint, m.payload";

void readMessage(const PgResult &r, int row, wire::Message *m)
{
    m->set_conversation_id(quint64(r.int64(row, 0)));
    m->set_seq(quint64(r.int64(row, 1)));
    m->set_sender_user_id(quint64(r.int64(row, 2)));
    m->set_sender_device_id(quint64(r.int64(row, 3)));
    m->set_sender_username(r.text(row, 4).toStdString());
    m->set_client_message_id(r.text(row, 5).toStdString());
    m->set_server_time_ms(r.int64(row, 6));
    m->set_payload(r.bytea(row, 7).toStdString());
}
} // namespace

MessagingService::MessagingService(const ServerConfig &config, PgPool *pool, Router *router,
                                   QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_pool(pool)
    , m_router(router)
{
}

qint64 MessagingService::now() const
{
    return m_config.clock ? m_config.clock() : QDateTime::currentMSecsSinceEpoch();
}

void MessagingService::withMembers(quint64 conversationId,
                                   std::function<void(Result<Members>)> cb)
{
    if (auto it = m_members.constFind(conversationId); it != m_members.cend()) {
        cb(*it);
        return;
    }
    m_pool->forKey(conversationId)
        ->exec(PgQuery{"SELECT user_id FROM members WHERE conversation_id = $1", {}, {}}.arg(
                   conversationId),
               [this, conversationId, cb](PgResult r) {
                   if (!r.ok())
                       return cb(internal(r));
                   Members members;
                   for (int i = 0; i < r.rows(); ++i)
                       members << quint64(r.int64(i, 0));
                   if (!members.isEmpty())
                       m_members.insert(conversationId, members);
                   cb(members);
               });
}

void MessagingService::openDirect(Session *session, quint64 requestId,
                                  const wire::OpenDirectRequest &req)
{
    const QString peerName = protocol::normalizeUsername(QString::fromStdString(req.username()));
    const quint64 me = session->userId();
    QPointer<Session> guard(session);
    m_pool->any()->exec(
        PgQuery{"SELECT id, username FROM users WHERE username = $1", {}, {}}.arg(peerName),
        [this, guard, requestId, me](PgResult r) {
            if (!guard)
                return;
            if (!r.ok())
                return guard->sendError(requestId, internal(r));
            if (r.rows() == 0)
                return guard->sendError(requestId, Error{ErrorCode::NoSuchUser,
                                                         QStringLiteral("no such user")});
            const quint64 peer = quint64(r.int64(0, 0));
            const QString peerUsername = r.string(0, 1);
            const QByteArray key = QByteArray::number(std::min(me, peer)) + ':' +
                                   QByteArray::number(std::max(me, peer));
            // Insert-or-find in one statement; a concurrent creator can leave both parts empty
            // for the loser (its snapshot predates the winner's commit), so it retries once.
            auto query = PgQuery{"WITH c AS (INSERT INTO conversations (kind, direct_key) "
                                 "VALUES (1, $1) ON CONFLICT (direct_key) DO NOTHING RETURNING id), "
                                 "m AS (INSERT INTO members (conversation_id, user_id) "
                                 "SELECT c.id, u FROM c, (SELECT DISTINCT unnest(ARRAY[$2, "
                                 "$3]::bigint[]) AS u) us RETURNING conversation_id) "
                                 "SELECT id, 0::bigint FROM c UNION ALL "
                                 "SELECT id, last_seq FROM conversations WHERE direct_key = $1",
                                 {},
                                 {}}
                             .arg(key)
                             .arg(me)
                             .arg(peer);
            auto reply = std::make_shared<std::function<void(PgResult, int)>>();
            *reply = [this, guard, requestId, peer, peerUsername, query,
                      reply](PgResult r, int attempt) {
                if (!guard)
                    return;
                if (!r.ok())
                    return guard->sendError(requestId, internal(r));
                if (r.rows() == 0 && attempt == 0) {
                    m_pool->any()->exec(query, [reply](PgResult r2) { (*reply)(std::move(r2), 1); });
                    return;
                }
                if (r.rows() == 0)
                    return guard->sendError(requestId, Error{ErrorCode::Internal,
                                                             QStringLiteral("try again")});
                protocol::Frame out;
                out.set_request_id(requestId);
                auto *info = out.mutable_conversation_info();
                info->set_conversation_id(quint64(r.int64(0, 0)));
                info->set_peer_user_id(peer);
                info->set_peer_username(peerUsername.toStdString());
                info->set_last_seq(quint64(r.int64(0, 1)));
                guard->send(out);
                *reply = nullptr; // break the self-reference
            };
            m_pool->any()->exec(query, [reply](PgResult r2) {
                if (*reply)
                    (*reply)(std::move(r2), 0);
            });
        });
}

void MessagingService::send(Session *session, quint64 requestId, const wire::SendRequest &req)
{
    const quint64 conv = req.conversation_id();
    const quint64 userId = session->userId();
    const quint64 deviceId = session->deviceId();
    const QString username = session->username();
    const QByteArray clientId = QByteArray::fromStdString(req.client_message_id());
    const QByteArray payload = QByteArray::fromStdString(req.payload());
    QPointer<Session> guard(session);
    m_pool->forKey(conv)->execGrouped(
        PgQuery{"SELECT status, seq, (extract(epoch FROM created_at) * 1000)::bigint, duplicate "
                "FROM tidings_send($1, $2, $3, $4, $5, to_timestamp($6::double precision / 1000))",
                {},
                {}}
            .arg(userId)
            .arg(deviceId)
            .arg(conv)
            .arg(clientId)
            .argBytes(payload)
            .arg(now()),
        [=, this](PgResult r) {
            if (!r.ok() || r.rows() != 1) {
                if (guard)
                    guard->sendError(requestId, internal(r));
                return;
            }
            const int status = int(r.int64(0, 0));
            if (status != 0) {
                if (guard)
                    guard->sendError(requestId,
                                     status == 1 ? notMember()
                                                 : Error{ErrorCode::NoSuchConversation,
                                                         QStringLiteral("no such conversation")});
                return;
            }
            const quint64 seq = quint64(r.int64(0, 1));
            const qint64 at = r.int64(0, 2);
            const bool duplicate = r.boolean(0, 3);
            if (guard) {
                protocol::Frame ack;
                ack.set_request_id(requestId);
                auto *a = ack.mutable_send_ack();
                a->set_conversation_id(conv);
                a->set_client_message_id(clientId.toStdString());
                a->set_seq(seq);
                a->set_server_time_ms(at);
                a->set_duplicate(duplicate);
                guard->send(ack);
            }
            if (duplicate)
                return; // fanned out (or queued in inboxes) when it was first stored
            ++m_stored;
            wire::Message msg;
            msg.set_conversation_id(conv);
            msg.set_seq(seq);
            msg.set_sender_user_id(userId);
            msg.set_sender_device_id(deviceId);
            msg.set_sender_username(username.toStdString());
            msg.set_client_message_id(clientId.toStdString());
            msg.set_server_time_ms(at);
            msg.set_payload(payload.toStdString());
            withMembers(conv, [this, msg, deviceId](Result<Members> members) {
                if (!members)
                    return; // offline copies are in the inboxes; live push is best effort
                for (quint64 user : *members)
                    for (Session *s : m_router->sessionsOfUser(user))
                        if (s->deviceId() != deviceId)
                            s->queueMessage(msg);
            });
        });
}

void MessagingService::ack(Session *session, quint64 requestId, quint64 conv, quint64 delivered,
                           quint64 read)
{
    const quint64 userId = session->userId();
    const quint64 deviceId = session->deviceId();
    QPointer<Session> guard(session);
    m_pool->forKey(conv)->execGrouped(
        PgQuery{"SELECT * FROM tidings_ack($1, $2, $3, $4, $5)", {}, {}}
            .arg(userId)
            .arg(deviceId)
            .arg(conv)
            .arg(delivered)
            .arg(read),
        [=, this](PgResult r) {
            if (!r.ok() || r.rows() != 1) {
                if (guard && requestId)
                    guard->sendError(requestId, internal(r));
                return;
            }
            if (r.int64(0, 0) != 0) {
                if (guard)
                    guard->sendError(requestId, notMember());
                return;
            }
            if (guard && requestId) {
                protocol::Frame ok;
                ok.set_request_id(requestId);
                ok.mutable_ok();
                guard->send(ok);
            }
            if (r.boolean(0, 3))
                pushReceipt(conv, userId, quint64(r.int64(0, 1)), quint64(r.int64(0, 2)),
                            deviceId);
        });
}

void MessagingService::pushReceipt(quint64 conv, quint64 userId, quint64 delivered, quint64 read,
                                   quint64 exceptDevice)
{
    withMembers(conv, [=, this](Result<Members> members) {
        if (!members)
            return;
        protocol::Frame f;
        auto *p = f.mutable_receipt_push();
        p->set_conversation_id(conv);
        p->set_user_id(userId);
        p->set_delivered_seq(delivered);
        p->set_read_seq(read);
        // Everyone in the conversation, the reader's other devices included (read elsewhere).
        for (quint64 user : *members)
            for (Session *s : m_router->sessionsOfUser(user))
                if (s->deviceId() != exceptDevice) {
                    s->flushPushes(); // receipts must not overtake the messages they refer to
                    s->send(f);
                }
    });
}

void MessagingService::history(Session *session, quint64 requestId,
                               const wire::HistoryRequest &req)
{
    const quint64 conv = req.conversation_id();
    const quint64 userId = session->userId();
    const quint32 limit = req.limit() ? req.limit() : limits::kDefaultHistoryLimit;
    const quint64 until = req.until_seq() ? req.until_seq() : quint64(INT64_MAX);
    const quint64 after = req.after_seq();
    QPointer<Session> guard(session);
    withMembers(conv, [=, this](Result<Members> members) {
        if (!guard)
            return;
        if (!members)
            return guard->sendError(requestId, members.error());
        if (!members->contains(userId))
            return guard->sendError(requestId, notMember());
        auto *db = m_pool->forKey(conv);
        db->exec(PgQuery{QByteArray("SELECT ") + kMessageColumns +
                             " FROM messages m JOIN users u ON u.id = m.sender_user_id "
                             "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq <= $3 "
                             "ORDER BY m.seq LIMIT $4",
                         {},
                         {}}
                     .arg(conv)
                     .arg(after)
                     .arg(until)
                     .arg(qint64(limit) + 1),
                 [=](PgResult r) {
                     if (!guard)
                         return;
                     if (!r.ok())
                         return guard->sendError(requestId, internal(r));
                     auto out = std::make_shared<protocol::Frame>();
                     out->set_request_id(requestId);
                     auto *h = out->mutable_history_response();
                     const int n = std::min(r.rows(), int(limit));
                     for (int i = 0; i < n; ++i)
                         readMessage(r, i, h->add_messages());
                     h->set_has_more(r.rows() > int(limit));
                     db->exec(PgQuery{"SELECT user_id, delivered_seq, read_seq FROM members "
                                      "WHERE conversation_id = $1",
                                      {},
                                      {}}
                                  .arg(conv),
                              [=](PgResult c) {
                                  if (!guard)
                                      return;
                                  if (!c.ok())
                                      return guard->sendError(requestId, internal(c));
                                  auto *hh = out->mutable_history_response();
                                  for (int i = 0; i < c.rows(); ++i) {
                                      auto *cur = hh->add_cursors();
                                      cur->set_conversation_id(conv);
                                      cur->set_user_id(quint64(c.int64(i, 0)));
                                      cur->set_delivered_seq(quint64(c.int64(i, 1)));
                                      cur->set_read_seq(quint64(c.int64(i, 2)));
                                  }
                                  guard->send(*out);
                              });
                 });
    });
}

void MessagingService::drainInbox(Session *session) { drainPage(session, 0, 0, 0); }

void MessagingService::drainPage(QPointer<Session> session, quint64 afterConv, quint64 afterSeq,
                                 quint32 count)
{
    if (!session)
        return;
    const int page = limits::kMaxMessagesPerPush;
    m_pool->any()->exec(
        PgQuery{QByteArray("SELECT ") + kMessageColumns +
                    " FROM inbox i "
                    "JOIN messages m ON m.conversation_id = i.conversation_id AND m.seq = i.seq "
                    " AND m.created_at = i.created_at "
                    "JOIN users u ON u.id = m.sender_user_id "
                    "LEFT JOIN receipts r ON r.conversation_id = i.conversation_id "
                    " AND r.device_id = i.device_id "
                    "WHERE i.device_id = $1 AND i.seq > COALESCE(r.delivered_seq, 0) "
                    " AND (i.conversation_id, i.seq) > ($2, $3) "
                    "ORDER BY i.conversation_id, i.seq LIMIT $4",
                {},
                {}}
            .arg(session->deviceId())
            .arg(afterConv)
            .arg(afterSeq)
            .arg(page),
        [this, session, count, page](PgResult r) {
            if (!session)
                return;
            if (!r.ok()) {
                session->sendError(0, internal(r));
                session->close(QStringLiteral("inbox unavailable"));
                return;
            }
            const int n = r.rows();
            if (n > 0) {
                protocol::Frame f;
                auto *push = f.mutable_message_push();
                for (int i = 0; i < n; ++i)
                    readMessage(r, i, push->add_messages());
                session->send(f);
            }
            if (n == page) {
                drainPage(session, quint64(r.int64(n - 1, 0)), quint64(r.int64(n - 1, 1)),
                          count + quint32(n));
                return;
            }
            protocol::Frame done;
            done.mutable_inbox_drained()->set_count(count + quint32(n));
            session->send(done);
        });
}

void MessagingService::sessionClosed(Session *) {}

} // namespace tidings::server
