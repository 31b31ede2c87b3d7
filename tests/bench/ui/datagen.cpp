// tidings-ui-datagen: fills a profile directory with a large offline cache for tidings-ui-bench
// (and for trying the desktop client by hand): an account, a plain `secrets` file (no keychain
// prompt) holding the device token and the local master key, N chats and M messages, one chat
// holding a large share. The cache is encrypted at rest like the app's: conversations and members
// go in with raw SQL (nothing secret), messages through MessageStore::storeIncoming (sealed
// bodies, blind search tokens). --measure then times the store's reads the UI depends on (chat
// list, history pages, search).
//
//   tidings-ui-datagen --profile DIR [--chats 10000] [--messages 200000] [--big 50000]
//                      [--measure]
//
// Text: words from a small vocabulary; the common word "tomorrow" is in about 1 message of 12,
// the rare word "zanzibar" in 1 of 10,000 (20 with the defaults).
#include "core/secrets/master_key.h"
#include "core/secrets/secret_store.h"
#include "core/store/account_store.h"
#include "core/store/chat_list_reader.h"
#include "core/store/message_store.h"
#include "core/store/search_index.h"
#include "core/store/storage.h"

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

#include <algorithm>
#include <cstdio>
#include <functional>

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

//! Median of `runs` timings of `what`, in milliseconds.
double medianMs(int runs, const std::function<void()> &what) {
    QList<double> ms;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer t;
        t.start();
        what();
        ms.append(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return ms.at(ms.size() / 2);
}

//! The reads behind the chat list, opening the big chat, scrolling it to the top and search.
void measure(Storage &store, qint64 bigCount) {
    int chats = 0;
    const double list = medianMs(5, [&] { chats = int(store.chatList().chatSummaries()->size()); });
    const double open = medianMs(5, [&] { (void)store.messages().latest(1, 50); });
    // Scrolling the big chat to the top: pages of 100 older messages.
    QElapsedTimer t;
    t.start();
    quint64 before = quint64(bigCount) + 1;
    int pages = 0;
    double worstPage = 0;
    while (before > 1) {
        QElapsedTimer p;
        p.start();
        auto page = store.messages().olderThan(1, before, 100);
        worstPage = std::max(worstPage, double(p.nsecsElapsed()) / 1e6);
        if (!page || page->isEmpty())
            break;
        before = page->first().seq;
        ++pages;
    }
    const double scroll = double(t.nsecsElapsed()) / 1e6;
    int common = 0;
    int rare = 0;
    const double searchCommon = medianMs(
        5, [&] { common = int(store.search().search(QStringLiteral("tomorrow"), 200)->size()); });
    const double searchRare = medianMs(
        5, [&] { rare = int(store.search().search(QStringLiteral("zanzibar"), 200)->size()); });
    std::printf("{\"chat_list_ms\":%.1f,\"chats\":%d,\"open_big_chat_ms\":%.2f,"
                "\"scroll_big_chat_ms\":%.0f,\"pages\":%d,\"worst_page_ms\":%.2f,"
                "\"search_common_ms\":%.1f,\"common_hits\":%d,\"search_rare_ms\":%.2f,"
                "\"rare_hits\":%d}\n",
                list, chats, open, scroll, pages, worstPage, searchCommon, common, searchRare,
                rare);
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
    QCommandLineOption measureOpt(QStringLiteral("measure"),
                                  QStringLiteral("Time the store's reads afterwards."));
    QCommandLineOption measureOnlyOpt(
        QStringLiteral("measure-only"),
        QStringLiteral("Only time the reads of an existing profile."));
    parser.addOptions({profileOpt, chatsOpt, messagesOpt, bigOpt, measureOpt, measureOnlyOpt});
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
    if (parser.isSet(measureOnlyOpt)) {
        const QString path = QDir(dir).filePath(QStringLiteral("client.sqlite"));
        FileSecretStore secrets(QDir(dir).filePath(QStringLiteral("secrets")));
        auto masterKey = loadOrCreateMasterKey(secrets);
        if (!masterKey) {
            std::fprintf(stderr, "%s\n", qPrintable(masterKey.error().toString()));
            return 1;
        }
        auto opened = Storage::open(path, *masterKey);
        if (!opened) {
            std::fprintf(stderr, "%s\n", qPrintable(opened.error().toString()));
            return 1;
        }
        measure(**opened, big);
        return 0;
    }
    QElapsedTimer timer;
    timer.start();
    QDir(dir).removeRecursively();
    QDir().mkpath(dir);
    const QString path = QDir(dir).filePath(QStringLiteral("client.sqlite"));

    constexpr quint64 kMe = 1;
    FileSecretStore secrets(QDir(dir).filePath(QStringLiteral("secrets")));
    if (auto s = secrets.write(kDeviceTokenKey, QByteArray("bench-device-token")); !s) {
        std::fprintf(stderr, "%s\n", qPrintable(s.error().toString()));
        return 1;
    }
    auto masterKey = loadOrCreateMasterKey(secrets);
    if (!masterKey) {
        std::fprintf(stderr, "%s\n", qPrintable(masterKey.error().toString()));
        return 1;
    }
    // Nothing listens there: the app starts offline and shows the connection banner.
    const AccountSettings me{QStringLiteral("ws://127.0.0.1:9"), kMe, 1, QStringLiteral("me"), {}};
    auto opened = Storage::open(path, *masterKey);
    if (!opened) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().toString()));
        return 1;
    }
    std::unique_ptr<Storage> store = std::move(*opened);
    if (auto s = store->accounts().saveAccount(me); !s) {
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
        // Messages are generated in the same order as before (same data for the same seed) and
        // stored through MessageStore once the conversations are committed.
        QList<IncomingMessage> messages;
        messages.reserve(int(total));
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
            conv.addBindValue(0); // storeIncoming advances it over the messages
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
                IncomingMessage m;
                m.clientMessageId = QStringLiteral("g%1-%2").arg(id).arg(s);
                m.conversationId = id;
                m.seq = quint64(s);
                m.senderUserId = sender;
                m.senderDeviceId = 1; // mine: this device, so stored as outgoing
                m.senderUsername =
                    mine ? QStringLiteral("me")
                         : (group ? QStringLiteral("member%1").arg(sender) : peerName);
                m.text = sentence(rng, n);
                m.sentAtMs = t - 300;
                m.serverTimeMs = t;
                messages.append(std::move(m));
            }
        }
        if (rc == 0 && !db.commit()) {
            std::fprintf(stderr, "commit: %s\n", qPrintable(db.lastError().text()));
            rc = 1;
        }
        // Batches of one conversation's messages at a time, like history pages.
        for (qsizetype i = 0; rc == 0 && i < messages.size();) {
            qsizetype j = i;
            while (j < messages.size() && j - i < 5000 &&
                   messages.at(j).conversationId == messages.at(i).conversationId)
                ++j;
            auto stored = store->messages().storeIncoming(messages.mid(i, j - i), now, me);
            if (!stored) {
                std::fprintf(stderr, "store: %s\n", qPrintable(stored.error().toString()));
                rc = 1;
            }
            i = j;
        }
        messages.clear();
        // Everything was seen before (no notification storm when the app starts).
        if (rc == 0 && !q.exec(QStringLiteral("UPDATE messages SET notified = 1"))) {
            std::fprintf(stderr, "notified: %s\n", qPrintable(q.lastError().text()));
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
    store.reset();
    if (rc == 0 && parser.isSet(measureOpt)) {
        auto reopened = Storage::open(path, *masterKey);
        if (!reopened) {
            std::fprintf(stderr, "%s\n", qPrintable(reopened.error().toString()));
            return 1;
        }
        measure(**reopened, big);
    }
    return rc;
}
