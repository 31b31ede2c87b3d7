// tidings-bench-report: turns the JSON lines of tests/bench/run_all.sh into the table of
// docs/PERFORMANCE.md. Each input line names a figure, its target, which of the benchmark's
// result keys to show ("key:label:unit,..."), the command, the machine and the load average
// when it ran; the table goes between the markers below in the document (or is appended).
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStringList>

#include <cstdio>

namespace {

const QString kBegin = QStringLiteral("<!-- bench-table:begin (tests/bench/run_all.sh) -->");
const QString kEnd = QStringLiteral("<!-- bench-table:end -->");

//! "p50 1.8 ms · p99 6.2 ms" from the result and the line's "show" spec.
QString measured(const QJsonObject &line) {
    const QJsonObject result = line.value(u"result").toObject();
    if (result.isEmpty())
        return QStringLiteral("**failed**: ") + line.value(u"error").toString(u"no result"_qs);
    QStringList parts;
    for (const QString &spec : line.value(u"show").toString().split(u',', Qt::SkipEmptyParts)) {
        const QStringList f = spec.split(u':');
        const QJsonValue v = result.value(f.value(0));
        if (v.isUndefined())
            continue;
        QString value = v.isDouble()
                            ? QString::number(v.toDouble(), 'f', v.toDouble() >= 100 ? 0 : 1)
                            : v.toVariant().toString();
        QString part = f.value(1).isEmpty() ? value : f.value(1) + u' ' + value;
        if (!f.value(2).isEmpty())
            part += (f.value(2) == u"%" ? QString() : QStringLiteral(" ")) + f.value(2);
        parts << part;
    }
    return parts.join(QStringLiteral(" · "));
}

QString table(const QList<QJsonObject> &lines) {
    QString out;
    if (!lines.isEmpty()) {
        const QJsonObject &first = lines.first();
        out += QStringLiteral("Measured %1 on %2, commit %3 (`%4`).\n\n")
                   .arg(first.value(u"date").toString(), first.value(u"machine").toString(),
                        first.value(u"commit").toString(), first.value(u"run").toString());
    }
    out += QStringLiteral("| figure | target | measured | load (1 min) | command |\n"
                          "|---|---|---|---|---|\n");
    for (const QJsonObject &l : lines) {
        out += QStringLiteral("| %1 | %2 | %3 | %4 | `%5` |\n")
                   .arg(l.value(u"figure").toString(), l.value(u"target").toString(), measured(l),
                        l.value(u"load").toString(), l.value(u"command").toString());
    }
    return out;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(
        "Writes the table of tests/bench/run_all.sh's JSON lines (stdout, and into a document).");
    p.addHelpOption();
    p.addOption({"in", "JSON lines from run_all.sh.", "FILE"});
    p.addOption(
        {"doc", "Markdown file: the table replaces the marked block (or is appended).", "FILE"});
    p.process(app);
    QFile in(p.value("in"));
    if (!in.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read --in\n");
        return 2;
    }
    QList<QJsonObject> lines;
    for (const QByteArray &raw : in.readAll().split('\n')) {
        if (raw.trimmed().isEmpty())
            continue;
        QJsonParseError err;
        const QJsonDocument d = QJsonDocument::fromJson(raw, &err);
        if (!d.isObject()) {
            std::fprintf(stderr, "not a JSON object: %s\n", raw.left(200).constData());
            return 1;
        }
        lines << d.object();
    }
    const QString t = table(lines);
    std::printf("%s", t.toUtf8().constData());
    if (!p.isSet("doc"))
        return 0;
    QFile docIn(p.value("doc"));
    if (!docIn.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read --doc\n");
        return 2;
    }
    QString doc = QString::fromUtf8(docIn.readAll());
    docIn.close();
    const QString block = kBegin + u'\n' + t + kEnd;
    const qsizetype b = doc.indexOf(kBegin);
    const qsizetype e = doc.indexOf(kEnd);
    if (b >= 0 && e > b)
        doc.replace(b, e + kEnd.size() - b, block);
    else
        doc += u"\n## Latest run of tests/bench/run_all.sh\n\n"_qs + block + u'\n';
    QSaveFile outDoc(p.value("doc"));
    if (!outDoc.open(QIODevice::WriteOnly) || outDoc.write(doc.toUtf8()) < 0 || !outDoc.commit()) {
        std::fprintf(stderr, "cannot write --doc\n");
        return 1;
    }
    return 0;
}
