#include "cli/commands.h"

#include "cli/args.h"
#include "cli/media_commands.h"
#include "cli/output.h"
#include "core/logging.h"
#include "core/store/conversation_store.h"
#include "core/store/security_notice_store.h"
#include "core/store/storage.h"
#include "protocol/codec.h"

#include <QSysInfo>

#include <iostream>
#include <limits>
#include <string>

namespace tidings::cli {

using client::Client;

namespace {

QString deviceName() {
    const QString host = QSysInfo::machineHostName();
    QString name = QStringLiteral("tidings-cli on %1").arg(host.isEmpty() ? u"unknown"_qs : host);
    while (name.toUtf8().size() > 64)
        name.chop(1);
    return name;
}

} // namespace

QString usageText() {
    return QStringLiteral(
        "usage: tidings-cli --profile DIR [--server wss://HOST:PORT] [--allow-insecure] "
        "[--trust-certificate SHA256] [--verbose]\n"
        "                   COMMAND     (--allow-insecure: ws:// to another machine, unencrypted)\n"
        "                               (--trust-certificate: the server's self-signed\n"
        "                               certificate, AB:CD:... as its admin gave it)\n"
        "  register USERNAME [--invite CODE]\n"
        "                               (password: first line of stdin; the invite code when\n"
        "                               the server takes new accounts by invitation)\n"
        "  login USERNAME               (password: first line of stdin)\n"
        "  send USERNAME|--group GROUP TEXT [--timeout-ms MS]\n"
        "  send USERNAME|--group GROUP --count N --prefix P [--interval-ms MS] [--timeout-ms MS]\n"
        "                               (--interval-ms: one at a time, MS apart, once the\n"
        "                               session is up)\n"
        "  send USERNAME|--group GROUP --file PATH [--caption TEXT] [--voice|--as-file]\n"
        "       [--timeout-ms MS]       (waits for the upload; MS: longest wait without progress)\n"
        "  download MESSAGE_ID [--out DIR|FILE] [--timeout-ms MS]\n"
        "                               (MESSAGE_ID: the \"id\" of a receive/history line)\n"
        "  receive [--until-count N] [--wait-ms MS] [--typing]\n"
        "  read USERNAME|--group GROUP [--timeout-ms MS]\n"
        "  history USERNAME|--group GROUP [--limit N] [--wait-ms MS]\n"
        "  conversations                (kind, name or peer, unread count)\n"
        "  group create NAME [USER...]\n"
        "  group add|remove|promote|demote GROUP USER\n"
        "  group leave GROUP\n"
        "  group rename GROUP NAME\n"
        "  group info GROUP\n"
        "  readers GROUP|USERNAME SEQ\n"
        "  devices                      (with each device's key fingerprint)\n"
        "  devices revoke DEVICE\n"
        "  password change              (current, then new password: first two lines of stdin;\n"
        "                               every other device of the account is logged out)\n"
        "  safety-number USER           (60 digits and the QR payload, base64)\n"
        "  verify USER [--unset|--acknowledge]\n"
        "  link-code                    (on a linked device: a code for a new device)\n"
        "  link CODE                    (on a new device, after login)\n"
        "  recovery-key create          (password: first line of stdin; prints the recovery key\n"
        "                               to write down, shown once)\n"
        "  recover                      (on a new device after login, every linked device lost:\n"
        "                               the recovery key is the first line of stdin)\n"
        "  profile [--name NAME]        (my display name)\n"
        "  presence USER... [--follow-ms MS]\n"
        "  privacy [last-seen everyone|contacts|nobody | hold-key-changes on|off]\n"
        "  typing USERNAME|--group GROUP [--stop]\n"
        "  contacts [add|remove USER]\n"
        "  block|unblock USER\n"
        "GROUP is the numeric id printed by 'group create' (under \"group\").\n");
}

// --- Command ---------------------------------------------------------------------------------

Command::Command(Profile *profile, GlobalOptions global)
    : m_profile(profile)
    , m_global(std::move(global)) {
    // Only ever grants: without the flag, a consent saved with the account still applies.
    if (m_global.allowInsecure)
        if (auto s = client()->account().allowInsecureServer(true); !s)
            qCWarning(lcCli) << "consent to ws:// not saved:" << s.error().toString();
    if (!m_global.trustCertificate.isEmpty())
        if (auto s = client()->account().trustServerCertificate(m_global.trustCertificate); !s)
            qCWarning(lcCli) << "trusted certificate not saved:" << s.error().toString();
}

Status Command::startSession() {
    connect(client(), &Client::fatalError, this, [this](const Error &e) { fail(e); });
    connect(client(), &Client::certificateRefused, this, [this](const Error &e) { fail(e); });
    connect(&client()->messaging(), &client::Messaging::storageFailed, this,
            [this](const Error &e) { fail(e); });
    return client()->start(m_global.server);
}

void Command::fail(const Error &error) {
    if (m_finished)
        return;
    printError(error);
    finishNow(exitCodeFor(error));
}

void Command::finishNow(int code) {
    if (m_finished)
        return;
    m_finished = true;
    client()->stop();
    emit finished(code);
}

void Command::finishAfterFlush(int code, std::optional<Error> error) {
    if (m_finished)
        return;
    auto done = [this, code, error](Status) {
        if (error)
            fail(*error);
        else
            finishNow(code);
    };
    if (client()->isAuthenticated())
        client()->messaging().flush(done, 3000);
    else
        done(Status());
}

// --- register / login ------------------------------------------------------------------------

AccountCommand::AccountCommand(Profile *p, GlobalOptions g, bool registering, QString username,
                               QString inviteCode)
    : Command(p, std::move(g))
    , m_registering(registering)
    , m_username(std::move(username))
    , m_inviteCode(std::move(inviteCode)) {}

void AccountCommand::start() {
    if (m_global.server.isEmpty()) {
        fail(usage(QStringLiteral("--server ws://HOST:PORT is required")));
        return;
    }
    std::string line;
    std::getline(std::cin, line);
    QString password = QString::fromStdString(line);
    if (password.endsWith(u'\r'))
        password.chop(1);
    if (password.isEmpty()) {
        fail(usage(QStringLiteral("the password must be the first line of stdin")));
        return;
    }
    auto done = [this](Result<client::AccountSettings> r) {
        if (!r) {
            fail(r.error());
            return;
        }
        const client::AccountSettings account = *r;
        auto print = [this, account] {
            if (isFinished())
                return;
            JsonLine()
                .add("user_id", account.userId)
                .add("device_id", account.deviceId)
                .add("username", account.username)
                .add("linked", client()->keys().hasAccountKey())
                .print();
            finishNow(kExitOk);
        };
        if (!client()->isEncrypted() || !client()->keys().hasAccountKey()) {
            // A device that logged in reads and sends encrypted messages once linked.
            print();
            return;
        }
        // The new account's keys must be published before anyone can write to it.
        connect(&client()->devices(), &client::Devices::encryptionReady, this, print);
        QTimer::singleShot(30000, this, [this] {
            fail(Error{ErrorCode::Timeout,
                       QStringLiteral("end-to-end keys were not published in time")});
        });
    };
    if (m_registering)
        client()->account().registerAccount(m_global.server, m_username, password, deviceName(),
                                            done, m_inviteCode);
    else
        client()->account().login(m_global.server, m_username, password, deviceName(), done);
    password.fill(QChar(0));
}

// --- read ------------------------------------------------------------------------------------

ReadCommand::ReadCommand(Profile *p, GlobalOptions g, QString username, int timeoutMs,
                         quint64 groupId)
    : Command(p, std::move(g))
    , m_username(std::move(username))
    , m_groupId(groupId) {
    m_timeout.setSingleShot(true);
    m_timeout.setInterval(timeoutMs);
}

void ReadCommand::start() {
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        fail(Error{client()->isAuthenticated() ? ErrorCode::Timeout : ErrorCode::Network,
                   QStringLiteral("could not reach the server in time")});
    });
    m_timeout.start();
    if (auto s = startSession(); !s) {
        fail(s.error());
        return;
    }
    connect(&client()->messaging(), &client::Messaging::syncIdle, this, &ReadCommand::readWhenIdle);
    if (m_groupId != 0) {
        // Also proves membership and stores the group if this device has not seen it yet.
        client()->groups().info(m_groupId, [this](Result<client::ConversationInfo> r) {
            if (!r) {
                fail(r.error());
                return;
            }
            m_conversationId = m_groupId;
            readWhenIdle();
        });
        return;
    }
    client()->messaging().openDirect(m_username, [this](Result<client::ConversationRecord> r) {
        if (!r) {
            fail(r.error());
            return;
        }
        m_conversationId = r->id;
        readWhenIdle();
    });
}

void ReadCommand::readWhenIdle() {
    // Read "up to the latest": wait until the inbox drained and holes are filled.
    if (isFinished() || m_conversationId == 0 || client()->messaging().isBusy())
        return;
    auto seq = client()->messaging().markRead(m_conversationId);
    if (!seq) {
        fail(seq.error());
        return;
    }
    JsonLine().add("conversation", m_conversationId).add("read_seq", *seq).print();
    finishAfterFlush(kExitOk);
}

// --- history ---------------------------------------------------------------------------------

HistoryCommand::HistoryCommand(Profile *p, GlobalOptions g, QString username, int limit, int waitMs,
                               quint64 groupId)
    : Command(p, std::move(g))
    , m_username(std::move(username))
    , m_groupId(groupId)
    , m_limit(limit)
    , m_waitMs(waitMs) {
    m_deadline.setSingleShot(true);
}

void HistoryCommand::start() {
    // Refresh receipts and new messages if the server answers quickly; otherwise print the cache.
    connect(&m_deadline, &QTimer::timeout, this, &HistoryCommand::printLocal);
    connect(client(), &Client::fatalError, this, [this](const Error &e) {
        qCInfo(lcCli) << "offline history:" << e.toString();
        printLocal();
    });
    connect(client(), &Client::disconnected, this, [this] {
        if (!m_refreshing)
            printLocal(); // the server is unreachable: no point waiting
    });
    connect(&client()->messaging(), &client::Messaging::syncIdle, this, [this] {
        if (m_conversationId != 0 && m_refreshing && !client()->messaging().isBusy())
            printLocal();
    });
    if (auto s = client()->start(m_global.server); !s) {
        printLocal();
        return;
    }
    m_deadline.start(m_waitMs);
    connect(client(), &Client::authenticated, this, [this] { m_refreshing = true; });
    if (m_groupId != 0) {
        client()->groups().info(m_groupId, [this](Result<client::ConversationInfo> r) {
            if (!r && r.error().code != ErrorCode::NotMember) {
                printLocal();
                return;
            }
            // A former member still reads what it has; the server serves it nothing new.
            m_conversationId = m_groupId;
            client()->messaging().refreshConversation(m_conversationId);
        });
        return;
    }
    client()->messaging().openDirect(m_username, [this](Result<client::ConversationRecord> r) {
        if (!r) {
            if (r.error().code == ErrorCode::NoSuchUser ||
                r.error().code == ErrorCode::InvalidUsername)
                fail(r.error());
            else
                printLocal();
            return;
        }
        m_conversationId = r->id;
        client()->messaging().refreshConversation(m_conversationId);
    });
}

void HistoryCommand::printLocal() {
    if (isFinished())
        return;
    quint64 conversationId = m_conversationId ? m_conversationId : m_groupId;
    if (conversationId == 0) {
        auto c = store()->conversations().conversationWithPeer(m_username);
        if (!c) {
            fail(c.error());
            return;
        }
        if (!c->has_value()) {
            finishNow(kExitOk); // nothing cached with this user
            return;
        }
        conversationId = (*c)->id;
    }
    auto conv = store()->conversations().conversation(conversationId);
    auto rows = client()->messaging().history(conversationId, m_limit);
    if (conv && conv->has_value() == false && m_groupId != 0) {
        finishNow(kExitOk); // nothing cached of this group
        return;
    }
    if (!conv || !rows || !conv->has_value()) {
        fail(!conv ? conv.error()
                   : (!rows ? rows.error() : Error{ErrorCode::Storage, u"conversation lost"_qs}));
        return;
    }
    const quint64 me = client()->account().userId();
    // This device's "security code changed" notices, each after the message it followed.
    auto notices = store()->securityNotices().all(conversationId);
    QList<client::SecurityNotice> pending = notices ? *notices : QList<client::SecurityNotice>();
    quint64 firstSeq = 0;
    for (const auto &m : *rows)
        if (m.seq > 0 && firstSeq == 0)
            firstSeq = m.seq;
    auto printNoticesUpTo = [&](quint64 seq) {
        while (!pending.isEmpty() && pending.first().afterSeq <= seq) {
            const client::SecurityNotice n = pending.takeFirst();
            // Notices before the shown page of history stay out, like its older messages.
            if (firstSeq > 1 && n.afterSeq + 1 < firstSeq)
                continue;
            JsonLine line = messageLine(client::SecurityNoticeStore::asMessage(n), &**conv);
            line.add("at", n.atMs);
            line.print();
        }
    };
    for (const auto &m : *rows) {
        if (m.seq > 0)
            printNoticesUpTo(m.seq - 1);
        JsonLine line = messageLine(m, &**conv);
        if (m.event) {
            line.print();
            if (m.seq > 0)
                printNoticesUpTo(m.seq);
            continue;
        }
        if (m.receivedAtMs != 0)
            line.add("received_at", m.receivedAtMs);
        line.add("status", client::messageStateName(client::deriveState(m, **conv, me)));
        line.print();
        if (m.seq > 0)
            printNoticesUpTo(m.seq);
    }
    printNoticesUpTo(std::numeric_limits<quint64>::max());
    finishAfterFlush(kExitOk);
}

// --- factory ---------------------------------------------------------------------------------

Result<std::unique_ptr<Command>> makeCommand(const QStringList &args, Profile *profile,
                                             const GlobalOptions &global) {
    if (args.isEmpty())
        return usage(QStringLiteral("no command given"));
    const QString name = args[0];
    auto need = [&](const ParsedArgs &p, int n, const char *what) -> Status {
        if (p.positional.size() != n)
            return usage(QStringLiteral("%1 expects %2").arg(name, QLatin1String(what)));
        return {};
    };
    if (auto social = makeSocialCommand(args, profile, global); !social || *social)
        return social;
    if (auto e2e = makeE2eCommand(args, profile, global); !e2e || *e2e)
        return e2e;
    if (auto media = makeMediaCommand(args, profile, global); !media || *media)
        return media;
    if (name == u"register" || name == u"login") {
        auto p = parseArgs(args, name == u"register" ? QStringList{u"invite"_qs} : QStringList{});
        if (!p)
            return p.error();
        if (auto s = need(*p, 1, "USERNAME"); !s)
            return s.error();
        return std::unique_ptr<Command>(new AccountCommand(profile, global, name == u"register",
                                                           p->positional[0],
                                                           p->options.value(u"invite"_qs)));
    }
    if (name == u"send") {
        auto p = parseArgs(
            args, {u"count"_qs, u"prefix"_qs, u"timeout-ms"_qs, u"group"_qs, u"interval-ms"_qs});
        if (!p)
            return p.error();
        auto timeout = intOption(*p, u"timeout-ms"_qs, 60000, 1);
        auto count = intOption(*p, u"count"_qs, -1, 1);
        auto interval = intOption(*p, u"interval-ms"_qs, 0, 1);
        if (!interval)
            return interval.error();
        if (*interval > 0 && !p->options.contains(u"count"_qs))
            return usage(QStringLiteral("--interval-ms needs --count"));
        auto group = groupOption(*p);
        if (!timeout)
            return timeout.error();
        if (!count)
            return count.error();
        if (!group)
            return group.error();
        const int targets = *group != 0 ? 0 : 1; // --group replaces USERNAME
        const QString username = targets ? p->positional.value(0) : QString();
        if (*count >= 0) {
            if (auto s = need(*p, targets, "USERNAME|--group GROUP --count N --prefix P"); !s)
                return s.error();
            if (!p->options.contains(u"prefix"_qs))
                return usage(QStringLiteral("--count needs --prefix"));
            return std::unique_ptr<Command>(new SendCommand(profile, global, username, QString(),
                                                            *count, p->options.value(u"prefix"_qs),
                                                            *timeout, *group, *interval));
        }
        if (auto s = need(*p, targets + 1, "USERNAME|--group GROUP TEXT"); !s)
            return s.error();
        if (p->positional[targets].isEmpty())
            return usage(QStringLiteral("empty message"));
        return std::unique_ptr<Command>(new SendCommand(
            profile, global, username, p->positional[targets], -1, QString(), *timeout, *group));
    }
    if (name == u"receive") {
        auto p = parseArgs(args, {u"until-count"_qs, u"wait-ms"_qs}, {u"typing"_qs});
        if (!p)
            return p.error();
        if (auto s = need(*p, 0, "no arguments"); !s)
            return s.error();
        auto until = intOption(*p, u"until-count"_qs, -1, 0);
        auto wait = intOption(*p, u"wait-ms"_qs, 3000, 0);
        if (!until)
            return until.error();
        if (!wait)
            return wait.error();
        return std::unique_ptr<Command>(
            new ReceiveCommand(profile, global, *until, *wait, p->options.contains(u"typing"_qs)));
    }
    if (name == u"read") {
        auto p = parseArgs(args, {u"timeout-ms"_qs, u"group"_qs});
        if (!p)
            return p.error();
        auto group = groupOption(*p);
        if (!group)
            return group.error();
        if (auto s = need(*p, *group ? 0 : 1, "USERNAME|--group GROUP"); !s)
            return s.error();
        auto timeout = intOption(*p, u"timeout-ms"_qs, 30000, 1);
        if (!timeout)
            return timeout.error();
        return std::unique_ptr<Command>(
            new ReadCommand(profile, global, p->positional.value(0), *timeout, *group));
    }
    if (name == u"history") {
        auto p = parseArgs(args, {u"limit"_qs, u"wait-ms"_qs, u"group"_qs});
        if (!p)
            return p.error();
        auto group = groupOption(*p);
        if (!group)
            return group.error();
        if (auto s = need(*p, *group ? 0 : 1, "USERNAME|--group GROUP"); !s)
            return s.error();
        auto limit = intOption(*p, u"limit"_qs, 100, 1);
        auto wait = intOption(*p, u"wait-ms"_qs, 2000, 0);
        if (!limit)
            return limit.error();
        if (!wait)
            return wait.error();
        return std::unique_ptr<Command>(
            new HistoryCommand(profile, global, p->positional.value(0), *limit, *wait, *group));
    }
    return usage(QStringLiteral("unknown command %1").arg(name));
}

} // namespace tidings::cli
