// The frame decoder's seed corpus (tests/fuzz/corpus) has a seed of every frame type the schema
// defines (issue 12): a new Frame body without one fails here until tidings_fuzz_make_corpus is
// run again, and that run writes one only when sample_frames.h has an example of it, which this
// test also demands. A sample whose committed seed differs from its current encoding means the
// corpus is stale.
#include "sample_frames.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using tidings::protocol::Frame;

class TestCorpusFrames : public QObject {
    Q_OBJECT

    //! The field numbers of Frame's `body` oneof, by name, read from the schema (the protobuf
    //! code is LITE_RUNTIME: no descriptors). Each number is checked to select that body.
    static QHash<QString, int> bodyFields() {
        QFile f(QStringLiteral(TIDINGS_PROTO_FILE));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read %s", TIDINGS_PROTO_FILE);
        const QString schema = QString::fromUtf8(f.readAll());
        const qsizetype frame = schema.indexOf(QStringLiteral("\nmessage Frame {"));
        const qsizetype body = schema.indexOf(QStringLiteral("oneof body {"), frame);
        const qsizetype end = schema.indexOf(QLatin1Char('}'), body);
        if (frame < 0 || body < 0 || end < 0)
            qFatal("no Frame.body in %s", TIDINGS_PROTO_FILE);
        static const QRegularExpression field(QStringLiteral("\\w+\\s+(\\w+)\\s*=\\s*(\\d+)\\s*;"));
        QHash<QString, int> out;
        auto it = field.globalMatch(schema.mid(body, end - body));
        while (it.hasNext()) {
            const auto m = it.next();
            const int number = m.captured(2).toInt();
            // An empty message in that field: it must parse as this body.
            std::string bytes;
            for (quint64 tag = (quint64(number) << 3) | 2;; tag >>= 7) {
                bytes.push_back(char(tag < 0x80 ? tag : (tag & 0x7f) | 0x80));
                if (tag < 0x80)
                    break;
            }
            bytes.push_back('\0');
            Frame check;
            if (!check.ParseFromString(bytes) || int(check.body_case()) != number)
                qFatal("Frame.body field %d (%s) does not parse as a body", number,
                       qPrintable(m.captured(1)));
            out.insert(m.captured(1), number);
        }
        if (out.size() < 10)
            qFatal("too few Frame.body fields found in %s", TIDINGS_PROTO_FILE);
        return out;
    }

private slots:
    void everyFrameTypeHasASeed() {
        QSet<int> seeded;
        const QDir dir(QStringLiteral(TIDINGS_FUZZ_CORPUS_DIR));
        const QStringList files = dir.entryList(QDir::Files);
        QVERIFY2(!files.isEmpty(), qPrintable(dir.path()));
        for (const QString &name : files) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            Frame frame;
            if (frame.ParseFromArray(bytes.constData(), int(bytes.size())) &&
                frame.body_case() != Frame::BODY_NOT_SET)
                seeded.insert(int(frame.body_case()));
        }
        QStringList missing;
        const auto fields = bodyFields();
        for (auto it = fields.begin(); it != fields.end(); ++it)
            if (!seeded.contains(it.value()))
                missing.append(it.key());
        missing.sort();
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("no seed in tests/fuzz/corpus for: %1 (add an example "
                                           "to sample_frames.h, run tidings_fuzz_make_corpus)")
                                .arg(missing.join(QStringLiteral(", ")))));
    }

    void everyFrameTypeHasASample() {
        QSet<int> sampled;
        for (const auto &s : tidings::testing::validClientFrames())
            sampled.insert(int(s.frame.body_case()));
        for (const auto &s : tidings::testing::validServerFrames())
            sampled.insert(int(s.frame.body_case()));
        QStringList missing;
        const auto fields = bodyFields();
        for (auto it = fields.begin(); it != fields.end(); ++it)
            if (!sampled.contains(it.value()))
                missing.append(it.key());
        missing.sort();
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("no example in sample_frames.h for: %1")
                                .arg(missing.join(QStringLiteral(", ")))));
    }

    void seedsMatchTheSamples() {
        const QDir dir(QStringLiteral(TIDINGS_FUZZ_CORPUS_DIR));
        auto check = [&](const char *side, const std::vector<tidings::testing::SampleFrame> &all) {
            for (const auto &s : all) {
                const QString name = QStringLiteral("%1_%2.bin")
                                         .arg(QLatin1String(side), QString::fromStdString(s.name));
                QFile f(dir.filePath(name));
                if (!f.open(QIODevice::ReadOnly))
                    return QStringLiteral("%1 is missing").arg(name);
                if (f.readAll() != tidings::protocol::encodeFrame(s.frame))
                    return QStringLiteral("%1 differs from its sample").arg(name);
            }
            return QString();
        };
        for (const QString &problem : {check("client", tidings::testing::validClientFrames()),
                                       check("server", tidings::testing::validServerFrames())})
            QVERIFY2(problem.isEmpty(),
                     qPrintable(problem + QStringLiteral(": run tidings_fuzz_make_corpus")));
    }
};

QTEST_GUILESS_MAIN(TestCorpusFrames)
#include "test_corpus_frames.moc"
