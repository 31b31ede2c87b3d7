// tidings-ui-datagen: fills a profile directory with a large offline cache for tidings-ui-bench
// (and for trying the desktop client by hand): an account, a plain `secrets` file (no keychain
// prompt), N chats and M messages, one chat holding a large share. The schema comes from the real
// LocalStore and ViewStore (FTS triggers included); rows go in with raw SQL in one transaction.
//
//   tidings-ui-datagen --profile DIR [--chats 10000] [--messages 200000] [--big 50000]
//
// Text: words from a small vocabulary; the common word "tomorrow" is in about 1 message of 12,
// the rare word "zanzibar" in 1 of 10,000 (20 with the defaults).
#include "core/store/local_store.h"
#include "core/store/secret_store.h"
#include "core/store/view_store.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <cstdio>

using namespace tidings::client;

namespace {

const char *const kWords[] = {
    "the",     "a",       "and",     "to",      "of",       "in",       "is",      "it",
    "you",     "that",    "we",      "for",     "on",       "with",     "this",    "be",
    "are",     "have",    "not",     "at",      "but",      "what",     "so",      "can",
    "will",    "just",    "all",     "good",    "time",     "know",     "think",   "see",
    "get",     "like",    "come",    "back",    "now",      "today",    "call",    "later",
    "home",    "work",    "week",    "night",   "morning",  "coffee",   "lunch",   "dinner",
    "train",   "late",    "sorry",   "thanks",  "great",    "sure",     "maybe",   "weekend",
    "photo",   "meeting", "plan",    "ticket",  "movie",    "book",     "music",   "game",
    "friends", "family",  "office",  "project", "report",   "deadline", "weather", "rain",
    "sun",     "city",    "station", "party",   "birthday", "present",  "idea",    "question",
    "answer",  "problem", "fixed",   "done",    "ready",    "soon",     "already", "again",
    "still",   "really",  "very",    "little",  "big",      "new",      "old",     "first",
    "last",    "long",    "short",   "right",   "left",     "open",     "closed",  "busy",
    "free",    "tired",   "happy",   "café",    "naïve",    "Müller",   "straße",  "über",
    "déjà",    "vu",      "ok",      "haha",    "yes",      "no",       "please",  "let",
    "me",      "us",      "them",    "send",    "bring",    "take",     "need",    "want",
};
constexpr int kWordCount = int(std::size(kWords));

QString sentence(QRandomGenerator &rng, qint64 n) {
    const int len = 2 + int(rng.bounded(18u)) + (rng.bounded(20u) == 0 ? 40 : 0);
    QStringList words;
    words.reserve(len + 2);
    for (int i = 0; i < len; ++i)
        words.append(QString::fromUtf8(kWords[rng.bounded(quint32(kWordCount))]));
    if (n % 12 == 5)
        words.insert(int(rng.bounded(quint32(words.size() + 1))), QStringLiteral("tomorrow"));
    if (n % 10000 == 4321)
        words.insert(int(rng.bounded(quint32(words.size() + 1))), QStringLiteral("Zanzibar"));
    QString s = words.join(QLatin1Char(' '));
    s[0] = s[0].toUpper();
    s += QLatin1String(rng.bounded(4u) == 0 ? "?" : ".");
    return s;
}

bool check(bool ok, const QSqlQuery &q, const char *what) {
    if (!ok)
        std::fprintf(stderr, "%s: %s\n", what, qPrintable(q.lastError().text()));
    return ok;
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption profileOpt(QStringLiteral("profile"), QStringLiteral("Profile directory."),
                                  QStringLiteral("DIR"));
    QCommandLineOption chatsOpt(QStringLiteral("chats"), QStringLiteral("Chats."),
                                QStringLiteral("N"), QStringLiteral("10000"));
    QCommandLineOption messagesOpt(QStringLiteral("messages"), QStringLiteral("Messages."),
                                   QStringLiteral("N"), QStringLiteral("200000"));
    QCommandLineOption bigOpt(QStringLiteral("big"), QStringLiteral("Messages in the big chat."),
                              QStringLiteral("N"), QStringLiteral("50000"));
    parser.addOptions({profileOpt, chatsOpt, messagesOpt, bigOpt});
    parser.process(app);
    const QString dir = parser.value(profileOpt);
    const int chats = parser.value(chatsOpt).toInt();
    const qint64 total = parser.value(messagesOpt).toLongLong();
    const qint64 big = parser.value(bigOpt).toLongLong();
    if (dir.isEmpty() || chats < 1 || big > total) {
        std::fprintf(stderr, "usage: tidings-ui-datagen --profile DIR [--chats N] [--messages N]"
                             " [--big N]\n");
        return 2;
    }
    QElapsedTimer timer;
    timer.start();
    QDir(dir).removeRecursively();
    QDir().mkpath(dir);
    const QString path = QDir(dir).filePath(QStringLiteral("client.sqlite"));

    constexpr quint64 kMe = 1;
    {
        auto store = LocalStore::open(path);
        if (!store) {
            std::fprintf(stderr, "%s\n", qPrintable(store.error().toString()));
            return 1;
        }
        // Nothing listens there: the app starts offline and shows the connection banner.
        AccountSettings me{QStringLiteral("ws://127.0.0.1:9"), kMe, 1, QStringLiteral("me")};
        if (auto s = (*store)->saveAccount(me); !s) {
            std::fprintf(stderr, "%s\n", qPrintable(s.error().toString()));
            return 1;
        }
        auto view = ViewStore::open(path, kMe); // FTS table and triggers
        if (!view) {
            std::fprintf(stderr, "%s\n", qPrintable(view.error().toString()));
            return 1;
        }
    }
    FileSecretStore secrets(QDir(dir).filePath(QStringLiteral("secrets")));
    if (auto s = secrets.write(kDeviceTokenKey, QByteArray("bench-device-token")); !s) {
        std::fprintf(stderr, "%s\n", qPrintable(s.error().toString()));
        return 1;
    }

    // Message counts: the big chat (id 1) first, the rest spread with a skew (a few busy chats,
    // many quiet ones), every chat at least one message.
    QRandomGenerator rng(20240605);
    QList<qint64> counts(chats, 1);
    counts[0] = big;
    qint64 left = total - big - (chats - 1);
    for (int guard = 0; left > 0 && chats > 1; ++guard) {
        const int c = 1 + int(rng.bounded(quint32(chats - 1)));
        const qint64 add =
            std::min<qint64>(left, 1 + rng.bounded(quint32(rng.bounded(8u) == 0 ? 120 : 20)));
        counts[c] += add;
        left -= add;
    }

    QSqlDatabase db;
    {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("datagen"));
        db.setDatabaseName(path);
        if (!db.open()) {
            std::fprintf(stderr, "open: %s\n", qPrintable(db.lastError().text()));
            return 1;
        }
    }
    int rc = 0;
    {
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA synchronous=OFF"));
        db.transaction();
        QSqlQuery conv(db);
        conv.prepare(QStringLiteral(
            "INSERT INTO conversations(id, peer_user_id, peer_username, last_contiguous_seq,"
            " peer_delivered_seq, peer_read_seq, my_read_seq, kind, name, all_delivered_seq,"
            " all_read_seq, is_member) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)"));
        QSqlQuery member(db);
        member.prepare(QStringLiteral(
            "INSERT INTO group_members(conversation_id, user_id, username, role, delivered_seq,"
            " read_seq) VALUES (?,?,?,?,?,?)"));
        QSqlQuery msg(db);
        msg.prepare(QStringLiteral(
            "INSERT INTO messages(client_message_id, conversation_id, seq, sender_user_id,"
            " sender_device_id, sender_username, text, sent_at_ms, server_time_ms,"
            " received_at_ms, outgoing, notified) VALUES (?,?,?,?,?,?,?,?,?,?,?,1)"));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        qint64 n = 0;
        for (int i = 0; i < chats && rc == 0; ++i) {
            const quint64 id = quint64(i) + 1;
            const bool group = i % 10 == 9;
            const qint64 count = counts.at(i);
            const quint64 peer = 1000 + id;
            const QString peerName =
                i == 0 ? QStringLiteral("bigchat")
                       : QStringLiteral("user%1").arg(id, 5, 10, QLatin1Char('0'));
            const quint64 unread =
                rng.bounded(5u) == 0 ? std::min<qint64>(count, rng.bounded(1u, 6u)) : 0;
            const quint64 last = quint64(count);
            conv.addBindValue(id);
            conv.addBindValue(group ? 0 : peer);
            conv.addBindValue(group ? QStringLiteral("") : peerName);
            conv.addBindValue(last);
            conv.addBindValue(last);
            conv.addBindValue(last > 2 ? last - 2 : 0);
            conv.addBindValue(last - unread);
            conv.addBindValue(group ? 2 : 1);
            conv.addBindValue(group ? QStringLiteral("Group %1").arg(id) : QStringLiteral(""));
            conv.addBindValue(last);
            conv.addBindValue(last > 2 ? last - 2 : 0);
            if (!check(conv.exec(), conv, "conversation")) {
                rc = 1;
                break;
            }
            if (group) {
                for (quint64 u : {kMe, peer, peer + 100000, peer + 200000}) {
                    member.addBindValue(id);
                    member.addBindValue(u);
                    member.addBindValue(u == kMe ? QStringLiteral("me")
                                                 : QStringLiteral("member%1").arg(u));
                    member.addBindValue(u == kMe ? 1 : 0);
                    member.addBindValue(last);
                    member.addBindValue(last);
                    member.exec();
                }
            }
            // The newest message of chat i is i minutes old (id 1 the most recent); messages
            // of one chat are ~3 minutes apart, so the big chat spans about 100 days.
            const qint64 newest = now - qint64(i) * 60'000;
            for (qint64 s = 1; s <= count; ++s, ++n) {
                const bool mine = rng.bounded(3u) == 0;
                const quint64 sender =
                    mine ? kMe : (group ? peer + 100000 * rng.bounded(3u) : peer);
                const qint64 t = newest - (count - s) * 180'000 - qint64(rng.bounded(60'000u));
                msg.addBindValue(QStringLiteral("g%1-%2").arg(id).arg(s));
                msg.addBindValue(id);
                msg.addBindValue(quint64(s));
                msg.addBindValue(sender);
                msg.addBindValue(1);
                msg.addBindValue(mine
                                     ? QStringLiteral("me")
                                     : (group ? QStringLiteral("member%1").arg(sender) : peerName));
                msg.addBindValue(sentence(rng, n));
                msg.addBindValue(t - 300);
                msg.addBindValue(t);
                msg.addBindValue(mine ? QVariant(QVariant::fromValue<qint64>(0))
                                      : QVariant(t + 50));
                msg.addBindValue(mine ? 1 : 0);
                if (!check(msg.exec(), msg, "message")) {
                    rc = 1;
                    break;
                }
            }
        }
        if (rc == 0 && !db.commit()) {
            std::fprintf(stderr, "commit: %s\n", qPrintable(db.lastError().text()));
            rc = 1;
        }
        if (rc == 0) {
            // No ANALYZE and no FTS 'optimize': a real cache never gets them either.
            q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
            std::printf("{\"profile\":\"%s\",\"chats\":%d,\"messages\":%lld,\"big_chat_messages\":"
                        "%lld,\"seconds\":%.2f,\"db_bytes\":%lld}\n",
                        qPrintable(QDir(dir).absolutePath()), chats, n, big,
                        double(timer.elapsed()) / 1000.0, QFile(path).size());
        }
    }
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("datagen"));
    return rc;
}
