// group, readers, devices, password, presence, privacy, typing, contacts, block/unblock and
// conversations: one request each (OneShotCommand), printed as JSON lines.
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "core/store/conversation_store.h"
#include "core/store/message_store.h"

#include <iostream>
#include <string>

namespace tidings::cli {

using client::Client;

// --- OneShotCommand --------------------------------------------------------------------------

OneShotCommand::OneShotCommand(Profile *p, GlobalOptions g, int timeoutMs, Action action)
    : Command(p, std::move(g))
    , m_timeoutMs(timeoutMs)
    , m_action(std::move(action)) {
    m_timeout.setSingleShot(true);
}

void OneShotCommand::start() {
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        fail(Error{client()->isAuthenticated() ? ErrorCode::Timeout : ErrorCode::Network,
                   client()->isAuthenticated()
                       ? QStringLiteral("no answer within %1 ms").arg(m_timeoutMs)
                       : QStringLiteral("could not reach the server")});
    });
    m_timeout.start(m_timeoutMs);
    // The action starts with the first session (typing and flushes need one).
    connect(client(), &Client::authenticated, this, [this] {
        if (m_started)
            return;
        m_started = true;
        m_action(*this);
    });
    if (auto s = startSession(); !s)
        fail(s.error());
}

void OneShotCommand::resolve(quint64 groupId, const QString &username,
                             std::function<void(quint64)> next) {
    if (groupId != 0) {
        next(groupId);
        return;
    }
    client()->messaging().openDirect(username, [this, next = std::move(next)](auto r) {
        if (!r)
            fail(r.error());
        else
            next(r->id);
    });
}

namespace {

using Ptr = std::unique_ptr<Command>;

//! A GROUP id or a USERNAME (usernames start with a letter, so a number is a group).
struct Target {
    quint64 group = 0;
    QString username;
};
Target targetOf(const QString &arg) {
    bool ok = false;
    const quint64 id = arg.toULongLong(&ok);
    return ok && id != 0 ? Target{id, QString()} : Target{0, arg};
}

Result<quint64> groupArg(const QString &arg) {
    bool ok = false;
    const quint64 id = arg.toULongLong(&ok);
    if (!ok || id == 0)
        return usage(
            QStringLiteral("GROUP must be a group id (a positive number), not '%1'").arg(arg));
    return id;
}

//! Ends the command with the error, or runs `then`.
template <typename F> auto onOk(OneShotCommand &c, F then) {
    return [&c, then = std::move(then)](Status s) {
        if (!s)
            c.error(s.error());
        else
            then();
    };
}

JsonLine memberLine(const client::MemberRecord &m, bool cursors) {
    JsonLine line;
    line.add("username", m.username).add("role", client::memberRoleName(m.role));
    if (cursors)
        line.add("delivered_seq", m.deliveredSeq).add("read_seq", m.readSeq);
    return line;
}

JsonLine groupLine(const client::ConversationInfo &info, bool cursors) {
    QList<JsonLine> members;
    for (const auto &m : info.members)
        members.append(memberLine(m, cursors));
    JsonLine line;
    line.add("group", info.id).add("name", info.name).addArray("members", members);
    return line;
}

JsonLine presenceLine(const client::PresenceInfo &p) {
    JsonLine line;
    line.add("user", p.username).add("visible", p.visible).add("online", p.online);
    if (p.lastSeenMs > 0)
        line.add("last_seen", p.lastSeenMs);
    else
        line.addNull("last_seen");
    return line;
}

Result<Ptr> groupCommand(const QStringList &args, Profile *profile, const GlobalOptions &global,
                         int timeout) {
    auto p = parseArgs(args, {u"timeout-ms"_qs});
    if (!p)
        return p.error();
    const QStringList &a = p->positional;
    const QString sub = a.value(0);
    auto make = [&](OneShotCommand::Action action) -> Result<Ptr> {
        return Ptr(new OneShotCommand(profile, global, timeout, std::move(action)));
    };
    if (sub == u"create") {
        if (a.size() < 2 || a[1].isEmpty())
            return usage(QStringLiteral("group create expects NAME [USER...]"));
        const QString name = a[1];
        const QStringList users = a.mid(2);
        return make([name, users](OneShotCommand &c) {
            c.cl()->groups().create(name, users, [&c](Result<client::ConversationInfo> r) {
                if (!r) {
                    c.error(r.error());
                    return;
                }
                groupLine(*r, false).print();
                c.done();
            });
        });
    }
    if (sub == u"info") {
        if (a.size() != 2)
            return usage(QStringLiteral("group info expects GROUP"));
        auto id = groupArg(a[1]);
        if (!id)
            return id.error();
        return make([id = *id](OneShotCommand &c) {
            c.cl()->groups().info(id, [&c](Result<client::ConversationInfo> r) {
                if (!r) {
                    c.error(r.error());
                    return;
                }
                groupLine(*r, true).print();
                c.done();
            });
        });
    }
    static const QHash<QString, client::GroupAction> actions = {
        {u"add"_qs, client::GroupAction::Add},         {u"remove"_qs, client::GroupAction::Remove},
        {u"promote"_qs, client::GroupAction::Promote}, {u"demote"_qs, client::GroupAction::Demote},
        {u"leave"_qs, client::GroupAction::Leave},     {u"rename"_qs, client::GroupAction::Rename},
    };
    if (!actions.contains(sub))
        return usage(QStringLiteral("group expects create|add|remove|promote|demote|leave|"
                                    "rename|info"));
    const auto action = actions.value(sub);
    const int expected = action == client::GroupAction::Leave ? 2 : 3;
    if (a.size() != expected)
        return usage(action == client::GroupAction::Leave
                         ? QStringLiteral("group leave expects GROUP")
                         : (action == client::GroupAction::Rename
                                ? QStringLiteral("group rename expects GROUP NAME")
                                : QStringLiteral("group %1 expects GROUP USER").arg(sub)));
    auto id = groupArg(a[1]);
    if (!id)
        return id.error();
    const QString user = action == client::GroupAction::Rename ? QString() : a.value(2);
    const QString name = action == client::GroupAction::Rename ? a.value(2) : QString();
    return make([id = *id, action, sub, user, name](OneShotCommand &c) {
        c.cl()->groups().change(id, action, user, name, onOk(c, [&c, id, sub, user, name] {
                                    JsonLine line;
                                    line.add("group", id).add("action", sub);
                                    if (!user.isEmpty())
                                        line.add("user", user);
                                    if (!name.isEmpty())
                                        line.add("name", name);
                                    line.print();
                                    c.done();
                                }));
    });
}

Result<Ptr> conversationsCommand(Profile *profile, const GlobalOptions &global, int timeout) {
    // Waits for the inbox drain, then refreshes every conversation once (history after the
    // local end brings the cursors: what my other devices read while this one was away).
    return Ptr(new OneShotCommand(profile, global, timeout, [](OneShotCommand &c) {
        auto print = [&c] {
            auto all = c.localStore()->conversations().conversations();
            if (!all) {
                c.error(all.error());
                return;
            }
            for (const auto &conv : *all) {
                JsonLine line;
                line.add("conversation", conv.id);
                line.add("kind", conv.kind == client::ConversationKind::Group
                                     ? "group"
                                     : (conv.kind == client::ConversationKind::Direct ? "direct"
                                                                                      : "unknown"));
                if (conv.isGroup())
                    line.add("group", conv.id).add("name", conv.name).add("member", conv.isMember);
                else
                    line.addOrNull("peer", conv.peerUsername);
                auto unread = c.localStore()->messages().unreadCount(conv.id);
                line.add("last_seq", conv.lastContiguousSeq)
                    .add("read_seq", conv.myReadSeq)
                    .add("unread", unread ? *unread : 0);
                line.print();
            }
            c.done();
        };
        auto state = std::make_shared<int>(0); // 0 waiting for the drain, 1 refreshing, 2 done
        auto onIdle = [&c, state, print] {
            if (*state == 2 || c.cl()->messaging().isBusy())
                return;
            if (*state == 1) {
                *state = 2;
                print();
                return;
            }
            *state = 1;
            auto all = c.localStore()->conversations().conversations();
            if (all) {
                for (const auto &conv : *all)
                    c.cl()->messaging().refreshConversation(conv.id);
            }
            if (!c.cl()->messaging().isBusy()) {
                *state = 2;
                print();
            }
        };
        QObject::connect(&c.cl()->messaging(), &client::Messaging::syncIdle, &c, onIdle);
    }));
}

} // namespace

Result<std::unique_ptr<Command>> makeSocialCommand(const QStringList &args, Profile *profile,
                                                   const GlobalOptions &global) {
    const QString name = args.value(0);
    static const QStringList names = {u"group"_qs,         u"readers"_qs, u"devices"_qs,
                                      u"presence"_qs,      u"privacy"_qs, u"typing"_qs,
                                      u"contacts"_qs,      u"block"_qs,   u"unblock"_qs,
                                      u"conversations"_qs, u"password"_qs};
    if (!names.contains(name))
        return Ptr();
    // Every one-shot command takes --timeout-ms (default 30 s).
    int timeout = 30000;
    if (const int i = args.indexOf(u"--timeout-ms"_qs); i > 0 && i + 1 < args.size()) {
        bool ok = false;
        timeout = args[i + 1].toInt(&ok);
        if (!ok || timeout < 1)
            return usage(QStringLiteral("--timeout-ms must be an integer >= 1"));
    }
    auto make = [&](OneShotCommand::Action action) -> Result<Ptr> {
        return Ptr(new OneShotCommand(profile, global, timeout, std::move(action)));
    };

    if (name == u"group")
        return groupCommand(args, profile, global, timeout);

    if (name == u"conversations") {
        auto p = parseArgs(args, {u"timeout-ms"_qs});
        if (!p)
            return p.error();
        if (!p->positional.isEmpty())
            return usage(QStringLiteral("conversations takes no arguments"));
        return conversationsCommand(profile, global, timeout);
    }

    if (name == u"readers") {
        auto p = parseArgs(args, {u"timeout-ms"_qs});
        if (!p)
            return p.error();
        bool ok = false;
        const quint64 seq = p->positional.value(1).toULongLong(&ok);
        if (p->positional.size() != 2 || !ok || seq == 0)
            return usage(QStringLiteral("readers expects GROUP|USERNAME SEQ"));
        const Target t = targetOf(p->positional[0]);
        return make([t, seq](OneShotCommand &c) {
            c.resolve(t.group, t.username, [&c, seq](quint64 conversationId) {
                c.cl()->groups().readers(conversationId, seq, [&c](Result<client::ReadersInfo> r) {
                    if (!r) {
                        c.error(r.error());
                        return;
                    }
                    JsonLine()
                        .add("conversation", r->conversationId)
                        .add("seq", r->seq)
                        .add("recipients", r->recipients)
                        .add("delivered", r->delivered)
                        .add("read", r->read)
                        .print();
                    c.done();
                });
            });
        });
    }

    if (name == u"devices") {
        auto p = parseArgs(args, {u"timeout-ms"_qs});
        if (!p)
            return p.error();
        const QStringList &a = p->positional;
        if (a.isEmpty()) {
            return make([](OneShotCommand &c) {
                c.cl()->devices().list([&c](Result<QList<client::DeviceInfo>> r) {
                    if (!r) {
                        c.error(r.error());
                        return;
                    }
                    for (const auto &d : *r) {
                        JsonLine()
                            .add("device_id", d.deviceId)
                            .add("name", d.name)
                            .add("created_ms", d.createdMs)
                            .add("last_seen_ms", d.lastSeenMs)
                            .add("current", d.current)
                            .add("online", d.online)
                            .addOrNull("fingerprint", d.fingerprint)
                            .print();
                    }
                    c.done();
                });
            });
        }
        bool ok = false;
        const quint64 device = a.value(1).toULongLong(&ok);
        if (a.size() != 2 || a[0] != u"revoke" || !ok || device == 0)
            return usage(QStringLiteral("devices expects nothing or: revoke DEVICE"));
        return make([device](OneShotCommand &c) {
            c.cl()->devices().revoke(device, onOk(c, [&c, device] {
                                         JsonLine().add("revoked", device).print();
                                         c.done();
                                     }));
        });
    }

    if (name == u"password") {
        auto p = parseArgs(args, {u"timeout-ms"_qs});
        if (!p)
            return p.error();
        const auto expects = [] {
            return usage(QStringLiteral("password expects: change (the current and the new "
                                        "password: the first two lines of stdin)"));
        };
        if (p->positional != QStringList{u"change"_qs})
            return expects();
        const auto line = [] {
            std::string raw;
            std::getline(std::cin, raw);
            QString text = QString::fromStdString(raw);
            if (text.endsWith(u'\r'))
                text.chop(1);
            return text;
        };
        const QString current = line(), replacement = line();
        if (current.isEmpty() || replacement.isEmpty())
            return expects();
        // Every other device of the account is logged out (only a linked device may do this).
        return make([current, replacement](OneShotCommand &c) {
            c.cl()->devices().changePassword(current, replacement, onOk(c, [&c] {
                                                 JsonLine().add("password_changed", true).print();
                                                 c.done();
                                             }));
        });
    }

    if (name == u"presence") {
        auto p = parseArgs(args, {u"timeout-ms"_qs, u"follow-ms"_qs});
        if (!p)
            return p.error();
        if (p->positional.isEmpty())
            return usage(QStringLiteral("presence expects USER..."));
        auto follow = intOption(*p, u"follow-ms"_qs, 0, 0);
        if (!follow)
            return follow.error();
        const QStringList users = p->positional;
        const int followMs = *follow;
        return make([users, followMs](OneShotCommand &c) {
            c.cl()->presence().subscribe(users, [&c,
                                                 followMs](Result<QList<client::PresenceInfo>> r) {
                if (!r) {
                    c.error(r.error());
                    return;
                }
                for (const auto &pr : *r)
                    presenceLine(pr).print();
                if (followMs <= 0) {
                    c.done();
                    return;
                }
                // Then every change pushed during the next followMs.
                QObject::connect(&c.cl()->presence(), &client::Presence::presenceChanged, &c,
                                 [](const client::PresenceInfo &pr) { presenceLine(pr).print(); });
                QTimer::singleShot(followMs, &c, [&c] { c.done(); });
            });
        });
    }

    if (name == u"privacy") {
        auto p = parseArgs(args, {u"timeout-ms"_qs});
        if (!p)
            return p.error();
        const QStringList &a = p->positional;
        if (a.isEmpty()) {
            return make([](OneShotCommand &c) {
                c.cl()->contacts().list([&c](Result<client::ContactsInfo> r) {
                    if (!r) {
                        c.error(r.error());
                        return;
                    }
                    JsonLine().add("last_seen", client::visibilityName(r->lastSeen)).print();
                    c.done();
                });
            });
        }
        if (a.size() == 2 && a[0] == u"hold-key-changes" && (a[1] == u"on" || a[1] == u"off")) {
            // Local: my messages to anyone whose security code changed wait until I
            // acknowledge it (verify USER --acknowledge).
            const bool hold = a[1] == u"on";
            return make([hold](OneShotCommand &c) {
                if (auto s = c.cl()->keys().setHoldOnIdentityChange(hold); !s)
                    return c.error(s.error());
                JsonLine().add("hold_key_changes", hold).print();
                c.done();
            });
        }
        const auto v = client::visibilityFromName(a.value(1));
        if (a.size() != 2 || a[0] != u"last-seen" || !v)
            return usage(QStringLiteral("privacy expects: last-seen everyone|contacts|nobody, or "
                                        "hold-key-changes on|off"));
        return make([v = *v](OneShotCommand &c) {
            c.cl()->presence().setPrivacy(
                v, onOk(c, [&c, v] {
                    JsonLine().add("last_seen", client::visibilityName(v)).print();
                    c.done();
                }));
        });
    }

    if (name == u"typing") {
        auto p = parseArgs(args, {u"timeout-ms"_qs, u"group"_qs}, {u"stop"_qs});
        if (!p)
            return p.error();
        auto group = groupOption(*p);
        if (!group)
            return group.error();
        if (p->positional.size() != (*group ? 0 : 1))
            return usage(QStringLiteral("typing expects USERNAME|--group GROUP"));
        const QString user = p->positional.value(0);
        const bool typing = !p->options.contains(u"stop"_qs);
        return make([group = *group, user, typing](OneShotCommand &c) {
            c.resolve(group, user, [&c, typing](quint64 conversationId) {
                // Ephemeral and unanswered: the ping round trip after it proves the server has it.
                if (typing) {
                    c.cl()->presence().setTyping(conversationId, true);
                } else {
                    c.cl()->presence().setTyping(conversationId,
                                                 true); // arms the tracker so stop is sent
                    c.cl()->presence().setTyping(conversationId, false);
                }
                JsonLine().add("typing", typing).add("conversation", conversationId).print();
                c.done();
            });
        });
    }

    if (name == u"contacts") {
        auto p = parseArgs(args, {u"timeout-ms"_qs});
        if (!p)
            return p.error();
        const QStringList &a = p->positional;
        if (a.isEmpty()) {
            return make([](OneShotCommand &c) {
                c.cl()->contacts().list([&c](Result<client::ContactsInfo> r) {
                    if (!r) {
                        c.error(r.error());
                        return;
                    }
                    for (const auto &ct : r->contacts) {
                        JsonLine()
                            .add("user", ct.username)
                            .add("user_id", ct.userId)
                            .add("contact", ct.contact)
                            .add("blocked", ct.blocked)
                            .print();
                    }
                    c.done();
                });
            });
        }
        if (a.size() != 2 || (a[0] != u"add" && a[0] != u"remove"))
            return usage(QStringLiteral("contacts expects nothing or: add|remove USER"));
        const auto action =
            a[0] == u"add" ? client::ContactAction::Add : client::ContactAction::Remove;
        const QString user = a[1];
        const QString verb = a[0];
        return make([action, user, verb](OneShotCommand &c) {
            c.cl()->contacts().change(action, user, onOk(c, [&c, user, verb] {
                                          JsonLine().add("user", user).add("action", verb).print();
                                          c.done();
                                      }));
        });
    }

    // block | unblock
    auto p = parseArgs(args, {u"timeout-ms"_qs});
    if (!p)
        return p.error();
    if (p->positional.size() != 1)
        return usage(QStringLiteral("%1 expects USER").arg(name));
    const auto action =
        name == u"block" ? client::ContactAction::Block : client::ContactAction::Unblock;
    const QString user = p->positional[0];
    return make([action, user, name](OneShotCommand &c) {
        c.cl()->contacts().change(action, user, onOk(c, [&c, user, name] {
                                      JsonLine().add("user", user).add("action", name).print();
                                      c.done();
                                  }));
    });
}

} // namespace tidings::cli
