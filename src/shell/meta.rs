//! Backslash meta commands. The help table is generated from the enum, so the list and
//! the help cannot drift apart.

use std::str::FromStr;

use super::OutputFormat;

/// A meta command typed at the REPL.
#[derive(Clone, Debug, PartialEq)]
pub enum MetaCommand {
    /// `\q`: quit.
    Quit,
    /// `\?`: help.
    Help,
    /// `\l`: list databases.
    ListDatabases,
    /// `\dt`: list tables of the current database.
    ListTables,
    /// `\d [table]`: list tables, or describe one.
    Describe(Option<String>),
    /// `\timing`: toggle the statistics line.
    Timing,
    /// `\format name`: set the output format.
    Format(OutputFormat),
    /// `\i file.sql`: run a script.
    Include(String),
}

/// (usage, description) of every meta command, in help order.
pub const META_HELP: &[(&str, &str)] = &[
    ("\\q", "quit"),
    ("\\?", "show this help"),
    ("\\l", "list databases"),
    ("\\dt", "list tables of the current database"),
    ("\\d [table]", "list tables, or describe a table"),
    (
        "\\timing",
        "toggle the statistics line after each statement",
    ),
    (
        "\\format NAME",
        "output format: table, csv, tsv, json, ndjson, markdown",
    ),
    ("\\i FILE", "run the statements of a script file"),
];

impl MetaCommand {
    /// The help text.
    pub fn help() -> String {
        META_HELP
            .iter()
            .map(|(usage, what)| format!("  {usage:<14} {what}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The SQL a listing command stands for.
    pub fn as_sql(&self) -> Option<String> {
        match self {
            MetaCommand::ListDatabases => Some("SHOW DATABASES".into()),
            MetaCommand::ListTables | MetaCommand::Describe(None) => Some("SHOW TABLES".into()),
            MetaCommand::Describe(Some(t)) => Some(format!("DESCRIBE {t}")),
            _ => None,
        }
    }
}

impl FromStr for MetaCommand {
    type Err = String;

    fn from_str(line: &str) -> Result<Self, String> {
        let line = line.trim().trim_end_matches(';').trim();
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, Some(a.trim().to_string()).filter(|a| !a.is_empty())),
            None => (line, None),
        };
        let needs = |what: &str| format!("{cmd} needs {what}");
        match (cmd, arg) {
            ("\\q" | "\\quit", None) => Ok(MetaCommand::Quit),
            ("\\?" | "\\h" | "\\help", None) => Ok(MetaCommand::Help),
            ("\\l", None) => Ok(MetaCommand::ListDatabases),
            ("\\dt", None) => Ok(MetaCommand::ListTables),
            ("\\d", arg) => Ok(MetaCommand::Describe(arg)),
            ("\\timing", None) => Ok(MetaCommand::Timing),
            ("\\format", Some(f)) => f.parse().map(MetaCommand::Format),
            ("\\format", None) => Err(needs("a format name")),
            ("\\i", Some(f)) => Ok(MetaCommand::Include(f)),
            ("\\i", None) => Err(needs("a file name")),
            (c, Some(_))
                if META_HELP
                    .iter()
                    .any(|(u, _)| u.split(' ').next() == Some(c)) =>
            {
                Err(format!("{c} takes no argument"))
            }
            (c, _) => Err(format!("unknown command {c}; \\? lists the commands")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_meta_commands() {
        assert_eq!("\\q".parse(), Ok(MetaCommand::Quit));
        assert_eq!(
            "\\d sales".parse(),
            Ok(MetaCommand::Describe(Some("sales".into())))
        );
        assert_eq!(
            "\\format CSV".parse(),
            Ok(MetaCommand::Format(OutputFormat::Csv))
        );
        assert!("\\format xml".parse::<MetaCommand>().is_err());
        assert!("\\zz".parse::<MetaCommand>().is_err());
        // Every command in the help parses.
        for (usage, _) in META_HELP {
            let example = usage
                .replace("[table]", "t")
                .replace("NAME", "csv")
                .replace("FILE", "f.sql");
            assert!(example.parse::<MetaCommand>().is_ok(), "{usage}");
        }
    }
}
