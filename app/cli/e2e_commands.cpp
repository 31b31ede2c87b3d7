// safety-number, verify, link-code, link and profile: end-to-end identity and the display name.
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/output.h"

#include <iostream>
#include <string>

namespace tidings::cli {

using client::Client;

namespace {

using Ptr = std::unique_ptr<Command>;

JsonLine safetyLine(const client::SafetyNumberInfo &s) {
    JsonLine line;
    line.add("user", s.username)
        .add("safety_number", s.digits)
        .add("qr", QString::fromLatin1(s.qrPayload.toBase64()))
        .add("verified", s.verified)
        .add("identity_changed", s.identityChanged);
    return line;
}

//! Link codes are waited for longer than other one-shot commands: a person types them.
constexpr int kLinkTimeoutMs = 10 * 60 * 1000;

} // namespace

Result<std::unique_ptr<Command>> makeE2eCommand(const QStringList &args, Profile *profile,
                                                const GlobalOptions &global) {
    const QString name = args.value(0);
    static const QStringList names = {u"safety-number"_qs, u"verify"_qs,  u"link-code"_qs,
                                      u"link"_qs,          u"profile"_qs, u"recovery-key"_qs,
                                      u"recover"_qs};
    if (!names.contains(name))
        return Ptr();
    auto p = parseArgs(args, {u"timeout-ms"_qs, u"name"_qs}, {u"unset"_qs, u"acknowledge"_qs});
    if (!p)
        return p.error();
    const bool linking = name == u"link-code" || name == u"link";
    auto timeout = intOption(*p, u"timeout-ms"_qs, linking ? kLinkTimeoutMs : 30000, 1);
    if (!timeout)
        return timeout.error();
    auto make = [&](OneShotCommand::Action action) -> Result<Ptr> {
        return Ptr(new OneShotCommand(profile, global, *timeout, std::move(action)));
    };
    const QStringList &a = p->positional;

    if (name == u"safety-number") {
        if (a.size() != 1)
            return usage(QStringLiteral("safety-number expects USER"));
        const QString user = a[0];
        return make([user](OneShotCommand &c) {
            c.cl()->keys().safetyNumber(user, [&c](Result<client::SafetyNumberInfo> r) {
                if (!r) {
                    c.error(r.error());
                    return;
                }
                safetyLine(*r).print();
                c.done();
            });
        });
    }

    if (name == u"verify") {
        if (a.size() != 1)
            return usage(QStringLiteral("verify expects USER [--unset | --acknowledge]"));
        const QString user = a[0];
        const bool unset = p->options.contains(u"unset"_qs);
        const bool acknowledge = p->options.contains(u"acknowledge"_qs);
        return make([user, unset, acknowledge](OneShotCommand &c) {
            // The key is fetched first, so what gets marked is the key the number was shown for.
            c.cl()->keys().safetyNumber(user, [&c, user, unset,
                                               acknowledge](Result<client::SafetyNumberInfo> r) {
                if (!r) {
                    c.error(r.error());
                    return;
                }
                auto printed = [&c, user](Status s) {
                    if (!s) {
                        c.error(s.error());
                        return;
                    }
                    c.cl()->keys().safetyNumber(user, [&c](Result<client::SafetyNumberInfo> after) {
                        if (!after) {
                            c.error(after.error());
                            return;
                        }
                        safetyLine(*after).print();
                        c.done();
                    });
                };
                if (acknowledge)
                    c.cl()->keys().acknowledgeIdentityChange(user, printed);
                else
                    c.cl()->keys().setVerified(user, !unset, printed);
            });
        });
    }

    if (name == u"link-code") {
        if (!a.isEmpty())
            return usage(QStringLiteral("link-code takes no arguments"));
        return make([](OneShotCommand &c) {
            c.cl()->devices().createLinkCode(
                [&c](Result<QString> code) {
                    if (!code) {
                        c.error(code.error());
                        return;
                    }
                    // Printed at once (flushed): the person types it into the new device.
                    JsonLine().add("code", *code).print();
                },
                [&c](Status linked) {
                    if (!linked) {
                        c.error(linked.error());
                        return;
                    }
                    JsonLine().add("linked", true).print();
                    c.done();
                });
        });
    }

    if (name == u"link") {
        if (a.size() != 1)
            return usage(QStringLiteral("link expects CODE (from link-code on another device)"));
        const QString code = a[0];
        return make([code](OneShotCommand &c) {
            c.cl()->devices().linkDevice(code, [&c](Status s) {
                if (!s) {
                    c.error(s.error());
                    return;
                }
                JsonLine().add("linked", true).print();
                c.done();
            });
        });
    }

    if (name == u"recovery-key" || name == u"recover") {
        const bool create = name == u"recovery-key";
        if (create ? a != QStringList{u"create"_qs} : !a.isEmpty())
            return usage(create ? QStringLiteral("recovery-key expects: create (the password: "
                                                 "first line of stdin)")
                                : QStringLiteral("recover expects the recovery key as the first "
                                                 "line of stdin"));
        // A secret either way: never on the command line, where other users see it.
        std::string raw;
        std::getline(std::cin, raw);
        QString secret = QString::fromStdString(raw).trimmed();
        if (secret.isEmpty())
            return usage(create ? QStringLiteral("the password must be the first line of stdin")
                                : QStringLiteral("the recovery key must be the first line of "
                                                 "stdin"));
        if (create)
            return make([secret](OneShotCommand &c) {
                c.cl()->devices().createRecoveryKey(secret, [&c](Result<QString> key) {
                    if (!key) {
                        c.error(key.error());
                        return;
                    }
                    JsonLine().add("recovery_key", *key).print();
                    c.done();
                });
            });
        return make([secret](OneShotCommand &c) {
            c.cl()->devices().recoverAccount(secret, [&c](Status s) {
                if (!s) {
                    c.error(s.error());
                    return;
                }
                JsonLine().add("recovered", true).print();
                c.done();
            });
        });
    }

    // profile [--name NAME]
    if (!a.isEmpty())
        return usage(QStringLiteral("profile expects nothing or --name NAME"));
    if (p->options.contains(u"name"_qs)) {
        const QString displayName = p->options.value(u"name"_qs);
        return make([displayName](OneShotCommand &c) {
            c.cl()->contacts().setProfile(displayName, [&c, displayName](Status s) {
                if (!s) {
                    c.error(s.error());
                    return;
                }
                JsonLine()
                    .add("user", c.cl()->account().settings().username)
                    .add("display_name", displayName.trimmed())
                    .print();
                c.done();
            });
        });
    }
    return make([](OneShotCommand &c) {
        const QString me = c.cl()->account().settings().username;
        c.cl()->contacts().profiles({me}, [&c, me](Result<QList<client::ProfileInfo>> r) {
            if (!r) {
                c.error(r.error());
                return;
            }
            QString displayName;
            for (const auto &pr : *r)
                if (pr.username == me)
                    displayName = pr.displayName;
            JsonLine().add("user", me).add("display_name", displayName).print();
            c.done();
        });
    });
}

} // namespace tidings::cli
