#pragma once
// Command-line parsing shared by the command factories: "--name value" / "--name=value" options,
// value-less flags, and positionals.
#include "protocol/result.h"

#include <QHash>
#include <QStringList>

namespace tidings::cli {

inline Error usage(const QString &detail) {
    return Error{ErrorCode::Usage, detail};
}

//! Splits "--name value" / "--name=value" options from positionals.
struct ParsedArgs {
    QStringList positional;
    QHash<QString, QString> options;
};

//! `flags` are options without a value (--typing).
inline Result<ParsedArgs> parseArgs(const QStringList &args, const QStringList &known,
                                    const QStringList &flags = {}) {
    ParsedArgs out;
    bool onlyPositional = false;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        if (onlyPositional || !a.startsWith(u"--") || a.size() == 2) {
            if (a == u"--" && !onlyPositional) {
                onlyPositional = true;
                continue;
            }
            out.positional.append(a);
            continue;
        }
        QString name = a.mid(2);
        QString value;
        if (flags.contains(name)) {
            out.options.insert(name, QStringLiteral("1"));
            continue;
        }
        if (const int eq = name.indexOf(u'='); eq >= 0) {
            value = name.mid(eq + 1);
            name = name.left(eq);
        } else {
            if (i + 1 >= args.size())
                return usage(QStringLiteral("--%1 needs a value").arg(name));
            value = args[++i];
        }
        if (!known.contains(name))
            return usage(QStringLiteral("unknown option --%1 for %2").arg(name, args[0]));
        out.options.insert(name, value);
    }
    return out;
}

inline Result<int> intOption(const ParsedArgs &p, const QString &name, int fallback, int min) {
    if (!p.options.contains(name))
        return fallback;
    bool ok = false;
    const int v = p.options.value(name).toInt(&ok);
    if (!ok || v < min)
        return usage(QStringLiteral("--%1 must be an integer >= %2").arg(name).arg(min));
    return v;
}

//! --group GROUP: a positive group id (0 when absent).
inline Result<quint64> groupOption(const ParsedArgs &p) {
    if (!p.options.contains(u"group"_qs))
        return quint64(0);
    bool ok = false;
    const quint64 id = p.options.value(u"group"_qs).toULongLong(&ok);
    if (!ok || id == 0)
        return usage(QStringLiteral("--group needs a group id (a positive number)"));
    return id;
}

} // namespace tidings::cli
