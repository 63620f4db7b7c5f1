//! The part of Go's `text/template` language that aqua registries use in
//! `asset`, `url`, `files[].src` and checksum names: actions `{{ … }}`
//! (with `{{-`/`-}}` trimming), pipelines (`.Version | trimV`), function
//! calls with arguments, parenthesised pipelines with a field after them
//! (`(semver .Version).Major`), `.Vars.NAME`, and `if`/`else`/`end`.
//! Parsed into a tree first, so a definition's templates are checked
//! once, whole, before any is rendered.
//!
//! Functions: `trimV`, `trimPrefix`, `trimSuffix`, `trim`, `replace`,
//! `title`, `lower`, `upper`, `semver`, `splitList`, `index`,
//! `regexFind`, `eq` and `ne` (with the argument order of Go's template
//! library and its usual function set).

use anyhow::{Result, anyhow, bail};
use std::collections::BTreeMap;

/// The longest template read.
pub const MAX_TEMPLATE_BYTES: usize = 4096;
const MAX_DEPTH: usize = 16;

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Node>);

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
}

/// Commands joined by `|`: each one's value is the last argument of the next.
#[derive(Debug, Clone, PartialEq)]
struct Pipeline(Vec<Command>);

#[derive(Debug, Clone, PartialEq)]
enum Command {
    Call(Func, Vec<Operand>),
    Value(Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Str(String),
    Int(i64),
    /// `.A.B`: a path of fields from the data.
    Field(Vec<String>),
    /// `(pipeline).A`: fields of a pipeline's value.
    Sub(Box<Pipeline>, Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    TrimV,
    TrimPrefix,
    TrimSuffix,
    Trim,
    Replace,
    Title,
    Lower,
    Upper,
    Semver,
    SplitList,
    Index,
    RegexFind,
    Eq,
    Ne,
}

impl Func {
    fn of(name: &str) -> Option<(Func, usize)> {
        Some(match name {
            "trimV" => (Func::TrimV, 1),
            "trimPrefix" => (Func::TrimPrefix, 2),
            "trimSuffix" => (Func::TrimSuffix, 2),
            "trim" => (Func::Trim, 1),
            "replace" => (Func::Replace, 3),
            "title" => (Func::Title, 1),
            "lower" => (Func::Lower, 1),
            "upper" => (Func::Upper, 1),
            "semver" => (Func::Semver, 1),
            "splitList" => (Func::SplitList, 2),
            "index" => (Func::Index, 2),
            "regexFind" => (Func::RegexFind, 2),
            "eq" => (Func::Eq, 2),
            "ne" => (Func::Ne, 2),
            _ => return None,
        })
    }
}

/// The values a template reads: `.Version`, `.OS` … (each `None` where
/// the template's place does not provide it) and `.Vars`.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub fields: BTreeMap<&'static str, String>,
    pub vars: BTreeMap<String, String>,
}

/// The data fields a template may name.
pub const FIELDS: &[&str] = &[
    "Version",
    "SemVer",
    "OS",
    "Arch",
    "GOOS",
    "GOARCH",
    "Format",
    "Asset",
    "AssetWithoutExt",
    "FileName",
];

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<String>),
    SemVer(u64, u64, u64),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::List(l) => format!("[{}]", l.join(" ")),
            Value::SemVer(a, b, c) => format!("{a}.{b}.{c}"),
        }
    }

    fn truth(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Int(i) => *i != 0,
            Value::Bool(b) => *b,
            Value::List(l) => !l.is_empty(),
            Value::SemVer(..) => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Int(i64),
    Field(String),
    Word(String),
    Pipe,
    Open,
    Close,
}

fn tokenize(action: &str) -> Result<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = action.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '|' => out.push(Tok::Pipe),
            '(' => out.push(Tok::Open),
            ')' => out.push(Tok::Close),
            '"' | '`' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') if c == '"' => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(e) => s.push(e),
                            None => bail!("a string is not closed"),
                        },
                        Some(ch) => s.push(ch),
                        None => bail!("a string is not closed"),
                    }
                }
                out.push(Tok::Str(s));
            }
            '.' => {
                let mut s = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '.' {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(Tok::Field(s));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if !n.is_ascii_digit() {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                out.push(Tok::Int(
                    s.parse()
                        .map_err(|_| anyhow!("`{s}` is not a number devenv reads"))?,
                ));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if !(n.is_alphanumeric() || n == '_') {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                out.push(Tok::Word(s));
            }
            other => bail!("unexpected `{other}`"),
        }
    }
    Ok(out)
}

fn path_of(field: &str) -> Result<Vec<String>> {
    if field.is_empty() {
        bail!("`.` alone is not a value devenv reads; name a field such as `.Version`");
    }
    let parts: Vec<String> = field.split('.').map(str::to_string).collect();
    if parts.iter().any(String::is_empty) {
        bail!("`.{field}` is not a field name");
    }
    Ok(parts)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn pipeline(&mut self) -> Result<Pipeline> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            bail!("the action nests deeper than {MAX_DEPTH} levels");
        }
        let mut commands = vec![self.command()?];
        while self.toks.get(self.at) == Some(&Tok::Pipe) {
            self.at += 1;
            commands.push(self.command()?);
        }
        self.depth -= 1;
        Ok(Pipeline(commands))
    }

    fn command(&mut self) -> Result<Command> {
        match self.toks.get(self.at).cloned() {
            Some(Tok::Word(w)) => {
                self.at += 1;
                let (func, _) = Func::of(&w)
                    .ok_or_else(|| anyhow!("the template function `{w}` is not supported"))?;
                let mut args = Vec::new();
                while let Some(a) = self.operand()? {
                    args.push(a);
                }
                Ok(Command::Call(func, args))
            }
            _ => {
                let op = self
                    .operand()?
                    .ok_or_else(|| anyhow!("an empty command in a pipeline"))?;
                if let Some(extra) = self.operand()? {
                    bail!("`{extra:?}` follows a value that is not a function");
                }
                Ok(Command::Value(op))
            }
        }
    }

    fn operand(&mut self) -> Result<Option<Operand>> {
        let Some(tok) = self.toks.get(self.at).cloned() else {
            return Ok(None);
        };
        let op = match tok {
            Tok::Str(s) => Operand::Str(s),
            Tok::Int(i) => Operand::Int(i),
            Tok::Field(f) => Operand::Field(path_of(&f)?),
            Tok::Open => {
                self.at += 1;
                let inner = self.pipeline()?;
                if self.toks.get(self.at) != Some(&Tok::Close) {
                    bail!("a `(` is not closed");
                }
                let fields = match self.toks.get(self.at + 1) {
                    Some(Tok::Field(f)) => {
                        self.at += 1;
                        path_of(f)?
                    }
                    _ => Vec::new(),
                };
                Operand::Sub(Box::new(inner), fields)
            }
            Tok::Pipe | Tok::Close => return Ok(None),
            Tok::Word(w) => {
                bail!("the function `{w}` is used as an argument; put it in parentheses")
            }
        };
        self.at += 1;
        Ok(Some(op))
    }
}

fn parse_pipeline(action: &str) -> Result<Pipeline> {
    let mut p = Parser {
        toks: tokenize(action)?,
        at: 0,
        depth: 0,
    };
    let pipe = p.pipeline()?;
    if p.at != p.toks.len() {
        bail!("unexpected `{:?}` after the pipeline", p.toks[p.at]);
    }
    check_arity(&pipe)?;
    Ok(pipe)
}

fn check_arity(pipe: &Pipeline) -> Result<()> {
    for (i, c) in pipe.0.iter().enumerate() {
        let piped = usize::from(i > 0);
        match c {
            Command::Call(f, args) => {
                let (_, want) = Func::of(func_name(*f)).unwrap_or((*f, 0));
                if args.len() + piped != want {
                    bail!(
                        "`{}` takes {want} argument(s), not {}",
                        func_name(*f),
                        args.len() + piped
                    );
                }
                for a in args {
                    if let Operand::Sub(p, _) = a {
                        check_arity(p)?;
                    }
                }
            }
            Command::Value(v) => {
                if i > 0 {
                    bail!("a value cannot take a piped argument");
                }
                if let Operand::Sub(p, _) = v {
                    check_arity(p)?;
                }
            }
        }
    }
    Ok(())
}

fn func_name(f: Func) -> &'static str {
    match f {
        Func::TrimV => "trimV",
        Func::TrimPrefix => "trimPrefix",
        Func::TrimSuffix => "trimSuffix",
        Func::Trim => "trim",
        Func::Replace => "replace",
        Func::Title => "title",
        Func::Lower => "lower",
        Func::Upper => "upper",
        Func::Semver => "semver",
        Func::SplitList => "splitList",
        Func::Index => "index",
        Func::RegexFind => "regexFind",
        Func::Eq => "eq",
        Func::Ne => "ne",
    }
}

enum Piece {
    Text(String),
    Action(Pipeline),
    If(Pipeline),
    Else,
    End,
}

impl Template {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Template> {
        Template::parse_inner(text).map_err(|e| anyhow!("cannot read the template `{text}`: {e}"))
    }

    fn parse_inner(text: &str) -> Result<Template> {
        if text.len() > MAX_TEMPLATE_BYTES {
            bail!("it is longer than {MAX_TEMPLATE_BYTES} bytes");
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut trim_next = false;
        while let Some(start) = rest.find("{{") {
            let mut before = &rest[..start];
            if trim_next {
                before = before.trim_start();
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| anyhow!("a `{{{{` is not closed"))?;
            let mut action = &after[..end];
            if let Some(a) = action.strip_prefix('-') {
                before = before.trim_end();
                action = a;
            }
            trim_next = false;
            if let Some(a) = action.strip_suffix('-') {
                trim_next = true;
                action = a;
            }
            if !before.is_empty() {
                pieces.push(Piece::Text(before.to_string()));
            }
            let action = action.trim();
            let first = action.split_whitespace().next().unwrap_or("");
            pieces.push(match first {
                "if" => Piece::If(parse_pipeline(&action[2..])?),
                "else" if action == "else" => Piece::Else,
                "end" if action == "end" => Piece::End,
                "range" | "with" | "define" | "template" | "block" | "else" | "end" => {
                    bail!("`{{{{{action}}}}}` is not supported")
                }
                _ => Piece::Action(parse_pipeline(action)?),
            });
            rest = &after[end + 2..];
        }
        let tail = if trim_next { rest.trim_start() } else { rest };
        if !tail.is_empty() {
            pieces.push(Piece::Text(tail.to_string()));
        }
        let mut iter = pieces.into_iter();
        let (nodes, stop) = Template::nodes(&mut iter, 0)?;
        match stop {
            None => Ok(Template(nodes)),
            Some(Piece::Else) => bail!("an `{{{{else}}}}` has no `{{{{if}}}}`"),
            Some(_) => bail!("an `{{{{end}}}}` has no `{{{{if}}}}`"),
        }
    }

    /// Nodes up to an `else` or `end` (returned), or the end of the text.
    fn nodes(
        iter: &mut impl Iterator<Item = Piece>,
        depth: usize,
    ) -> Result<(Vec<Node>, Option<Piece>)> {
        if depth > MAX_DEPTH {
            bail!("`if`s nest deeper than {MAX_DEPTH} levels");
        }
        let mut out = Vec::new();
        while let Some(p) = iter.next() {
            match p {
                Piece::Text(t) => out.push(Node::Text(t)),
                Piece::Action(a) => out.push(Node::Action(a)),
                Piece::If(cond) => {
                    let (then, stop) = Template::nodes(iter, depth + 1)?;
                    let otherwise = match stop {
                        Some(Piece::Else) => match Template::nodes(iter, depth + 1)? {
                            (nodes, Some(Piece::End)) => nodes,
                            _ => bail!("an `{{{{if}}}}` has no `{{{{end}}}}`"),
                        },
                        Some(Piece::End) => Vec::new(),
                        _ => bail!("an `{{{{if}}}}` has no `{{{{end}}}}`"),
                    };
                    out.push(Node::If(cond, then, otherwise));
                }
                stop @ (Piece::Else | Piece::End) => return Ok((out, Some(stop))),
            }
        }
        Ok((out, None))
    }

    /// The data fields the template reads (`Asset`, `Vars.channel`).
    pub fn fields(&self) -> Vec<String> {
        fn of_pipe(p: &Pipeline, out: &mut Vec<String>) {
            for c in &p.0 {
                let ops: Vec<&Operand> = match c {
                    Command::Call(_, a) => a.iter().collect(),
                    Command::Value(v) => vec![v],
                };
                for o in ops {
                    match o {
                        Operand::Field(f) => out.push(f.join(".")),
                        Operand::Sub(p, _) => of_pipe(p, out),
                        _ => {}
                    }
                }
            }
        }
        fn of_nodes(nodes: &[Node], out: &mut Vec<String>) {
            for n in nodes {
                match n {
                    Node::Text(_) => {}
                    Node::Action(p) => of_pipe(p, out),
                    Node::If(c, a, b) => {
                        of_pipe(c, out);
                        of_nodes(a, out);
                        of_nodes(b, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        of_nodes(&self.0, &mut out);
        out
    }

    /// The text for `data`.
    pub fn render(&self, data: &Data) -> Result<String> {
        let mut out = String::new();
        render_nodes(&self.0, data, &mut out)?;
        Ok(out)
    }
}

fn render_nodes(nodes: &[Node], data: &Data, out: &mut String) -> Result<()> {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Action(p) => out.push_str(&eval_pipe(p, data)?.text()),
            Node::If(c, a, b) => {
                let branch = if eval_pipe(c, data)?.truth() { a } else { b };
                render_nodes(branch, data, out)?;
            }
        }
    }
    Ok(())
}

fn field(path: &[String], data: &Data) -> Result<Value> {
    match path {
        [one] => {
            if !FIELDS.contains(&one.as_str()) {
                bail!("`.{one}` is not a value of aqua templates");
            }
            data.fields
                .get(one.as_str())
                .map(|s| Value::Str(s.clone()))
                .ok_or_else(|| anyhow!("`.{one}` has no value in this place of the definition"))
        }
        [vars, name] if vars == "Vars" => data
            .vars
            .get(name)
            .map(|s| Value::Str(s.clone()))
            .ok_or_else(|| {
                anyhow!("`.Vars.{name}` is not set, and the definition gives it no default")
            }),
        _ => bail!("`.{}` is not a value of aqua templates", path.join(".")),
    }
}

fn sub_field(v: Value, path: &[String]) -> Result<Value> {
    let Some(name) = path.first() else {
        return Ok(v);
    };
    if path.len() > 1 {
        bail!("`.{}` is not a field devenv reads", path.join("."));
    }
    match (v, name.as_str()) {
        (Value::SemVer(a, _, _), "Major") => Ok(Value::Int(a as i64)),
        (Value::SemVer(_, b, _), "Minor") => Ok(Value::Int(b as i64)),
        (Value::SemVer(_, _, c), "Patch") => Ok(Value::Int(c as i64)),
        (v, n) => bail!("`{}` has no field `{n}`", v.text()),
    }
}

fn operand(o: &Operand, data: &Data) -> Result<Value> {
    match o {
        Operand::Str(s) => Ok(Value::Str(s.clone())),
        Operand::Int(i) => Ok(Value::Int(*i)),
        Operand::Field(p) => field(p, data),
        Operand::Sub(p, fields) => sub_field(eval_pipe(p, data)?, fields),
    }
}

fn eval_pipe(p: &Pipeline, data: &Data) -> Result<Value> {
    let mut piped: Option<Value> = None;
    for c in &p.0 {
        piped = Some(match c {
            Command::Value(o) => operand(o, data)?,
            Command::Call(f, args) => {
                let mut values = args
                    .iter()
                    .map(|a| operand(a, data))
                    .collect::<Result<Vec<_>>>()?;
                values.extend(piped.take());
                call(*f, values)?
            }
        });
    }
    piped.ok_or_else(|| anyhow!("an empty pipeline"))
}

fn call(f: Func, args: Vec<Value>) -> Result<Value> {
    let s = |i: usize| -> Result<String> {
        match args.get(i) {
            Some(Value::List(_)) | None => {
                bail!("`{}` needs a string as argument {}", func_name(f), i + 1)
            }
            Some(v) => Ok(v.text()),
        }
    };
    Ok(match f {
        Func::TrimV => {
            let a = s(0)?;
            Value::Str(a.strip_prefix('v').unwrap_or(&a).to_string())
        }
        Func::TrimPrefix => {
            let (p, a) = (s(0)?, s(1)?);
            Value::Str(a.strip_prefix(p.as_str()).unwrap_or(&a).to_string())
        }
        Func::TrimSuffix => {
            let (p, a) = (s(0)?, s(1)?);
            Value::Str(a.strip_suffix(p.as_str()).unwrap_or(&a).to_string())
        }
        Func::Trim => Value::Str(s(0)?.trim().to_string()),
        Func::Replace => Value::Str(s(2)?.replace(s(0)?.as_str(), &s(1)?)),
        Func::Title => {
            // Each word's first letter upper-cased.
            let mut out = String::new();
            let mut start = true;
            for c in s(0)?.chars() {
                if start {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            Value::Str(out)
        }
        Func::Lower => Value::Str(s(0)?.to_lowercase()),
        Func::Upper => Value::Str(s(0)?.to_uppercase()),
        Func::Semver => {
            let v = s(0)?;
            let sv = super::expr::SemVer::parse(&v)
                .ok_or_else(|| anyhow!("`semver`: `{v}` is not a semantic version"))?;
            Value::SemVer(sv.segment(0), sv.segment(1), sv.segment(2))
        }
        Func::SplitList => Value::List(s(1)?.split(s(0)?.as_str()).map(str::to_string).collect()),
        Func::Index => {
            let i = match args.get(1) {
                Some(Value::Int(i)) => *i,
                _ => bail!("`index` takes a list and a number"),
            };
            match args.first() {
                Some(Value::List(l)) => Value::Str(
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| l.get(i))
                        .cloned()
                        .ok_or_else(|| anyhow!("`index`: the list has no item {i}"))?,
                ),
                _ => bail!("`index` takes a list and a number"),
            }
        }
        Func::RegexFind => {
            let (pattern, text) = (s(0)?, s(1)?);
            let re = regex_lite::RegexBuilder::new(&pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| anyhow!("`{pattern}` is not a regular expression: {e}"))?;
            Value::Str(
                re.find(&text)
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
            )
        }
        Func::Eq => Value::Bool(args.first() == args.get(1)),
        Func::Ne => Value::Bool(args.first() != args.get(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Data {
        let mut d = Data::default();
        for (k, v) in [
            ("Version", "v1.2.3"),
            ("SemVer", "v1.2.3"),
            ("OS", "darwin"),
            ("Arch", "arm64"),
            ("GOOS", "darwin"),
            ("GOARCH", "arm64"),
            ("Format", "zip"),
        ] {
            d.fields.insert(k, v.to_string());
        }
        d.vars.insert("channel".into(), "stable".into());
        d
    }

    fn render(t: &str) -> Result<String> {
        Template::parse(t)?.render(&data())
    }

    #[test]
    fn the_registry_forms_render() {
        for (t, want) in [
            (
                "{{title .OS}}-{{.Version | trimV}}-{{trimPrefix \"v\" .Version}}",
                "Darwin-1.2.3-1.2.3",
            ),
            ("{{ trimV .Version | replace \".\" \"\" }}", "123"),
            ("{{.Version|trimV}}", "1.2.3"),
            ("{{trimPrefix \"v1\" .Version | trimV}}", ".2.3"),
            (
                "v{{(semver .Version).Major}}.{{(semver .SemVer).Minor}}",
                "v1.2",
            ),
            ("{{ index (splitList \".\" (trimV .Version)) 1 }}", "2"),
            ("{{.Version | regexFind \"^[^.]+\"}}", "v1"),
            ("{{.Vars.channel}}", "stable"),
            (
                "x-{{if eq .GOOS \"darwin\"}}amd64{{else}}{{.GOARCH}}{{end}}",
                "x-amd64",
            ),
            (
                "x-{{if eq .GOOS \"linux\"}}amd64{{else}}{{.GOARCH}}{{end}}",
                "x-arm64",
            ),
            ("a {{- .OS -}} b", "adarwinb"),
            ("{{trimSuffix \".zip\" \"a.zip\"}}", "a"),
            ("{{upper .OS}}{{lower \"X\"}}", "DARWINx"),
        ] {
            assert_eq!(render(t).unwrap(), want, "{t}");
        }
    }

    #[test]
    fn errors_name_the_template_and_the_fault() {
        for (t, says) in [
            ("{{.Nope}}", "`.Nope` is not a value of aqua templates"),
            ("{{.Asset}}", "`.Asset` has no value in this place"),
            ("{{.Vars.other}}", "`.Vars.other` is not set"),
            ("{{nope .OS}}", "`nope` is not supported"),
            (
                "{{trimPrefix .OS}}",
                "`trimPrefix` takes 2 argument(s), not 1",
            ),
            ("{{.OS", "is not closed"),
            ("{{if .OS}}x", "has no `{{end}}`"),
            ("{{end}}", "has no `{{if}}`"),
            ("{{range .OS}}{{end}}", "is not supported"),
            ("{{(trimV .OS}}", "`(` is not closed"),
            ("{{\"x}}", "not closed"),
            ("{{index (splitList \".\" .OS) 4}}", "has no item 4"),
        ] {
            let err = format!("{:#}", render(t).unwrap_err());
            assert!(err.contains(says), "{t}: {err}");
        }
        let deep = format!("{{{{{}.OS{}}}}}", "(".repeat(100), ")".repeat(100));
        assert!(
            render(&deep)
                .unwrap_err()
                .to_string()
                .contains("nests deeper")
        );
    }

    proptest::proptest! {
        /// Any text is read or refused with an error, never a panic.
        #[test]
        fn arbitrary_text_never_panics(text in "[ -~]{0,120}") {
            if let Ok(t) = Template::parse(&text) {
                let _ = t.render(&data());
            }
        }

        #[test]
        fn registry_like_text_never_panics(text in "(\\{\\{|\\}\\}|[()\\[\\]|.,!&=#;{} ]|\"[a-z]{0,3}\"|Version|semver|not|and|or|in|let|any|trimV|index|splitList|if|else|end|\\.OS|\\.Vars\\.x|[0-9]){0,40}") {
            if let Ok(t) = Template::parse(&text) {
                let _ = t.render(&data());
            }
        }
    }
}
