//! The part of the expr-lang language that aqua registries use in
//! `version_constraint`, `version_overrides` and `version_filter`:
//! a tokenizer, a precedence-climbing parser into an [`Expr`] tree, and an
//! evaluator over the version being resolved.
//!
//! Grammar (lowest precedence first):
//!
//! ```text
//! or      := and (("or" | "||") and)*
//! and     := unary (("and" | "&&") unary)*
//! unary   := ("not" | "!") unary | compare
//! compare := primary (("==" | "!=" | "in" | "startsWith" | "endsWith"
//!                      | "contains" | "matches") primary)?
//! primary := STRING | "true" | "false" | IDENT | IDENT "(" args ")"
//!          | "[" args "]" | "(" or ")" | "#" | "{" or "}"
//! program := ("let" IDENT "=" or ";")* or
//! ```
//!
//! Identifiers are `Version` (the tag) and `SemVer` (the tag without the
//! package's `version_prefix`); functions are `semver(constraint)`,
//! `semverWithVersion(constraint, version)`, `trimPrefix(s, prefix)` and
//! `trimSuffix(s, suffix)`, and `any`/`all`/`none(list, {predicate})`
//! whose predicate reads the item as `#`. Version constraints follow aqua's version
//! library: comma-joined comparisons (`>= 1.2, < 2`), where a pre-release
//! matches only a constraint naming a pre-release of the same version.

use anyhow::{Result, anyhow, bail};

/// The longest expression read; the registry's longest is under 400 bytes.
pub const MAX_EXPR_BYTES: usize = 4096;
/// The deepest nesting of parentheses, `not`s and lists.
const MAX_DEPTH: usize = 32;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Bool(bool),
    Ident(Ident),
    List(Vec<Expr>),
    Call(Func, Vec<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    /// `let name = value; body`.
    Let(String, Box<Expr>, Box<Expr>),
    /// A name bound by `let`.
    Var(String),
    /// `any`/`all`/`none(list, {predicate})`.
    Quantifier(Quantifier, Box<Expr>, Box<Expr>),
    /// `#`: the item a predicate is asked about.
    Item,
}

/// How many items of a list a predicate must hold for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
    None,
}

/// The variables an expression may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ident {
    Version,
    SemVer,
}

/// The functions an expression may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Semver,
    SemverWithVersion,
    TrimPrefix,
    TrimSuffix,
}

/// The binary operators between values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    StartsWith,
    EndsWith,
    Contains,
    Matches,
}

/// A value an expression computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Bool(bool),
    List(Vec<Value>),
}

/// What the variables are while evaluating.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The release's tag (`v1.2.3`, `jq-1.7.1`).
    pub version: &'a str,
    /// The tag without the package's `version_prefix`.
    pub semver: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Word(String),
    Sym(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Tok>> {
    if text.len() > MAX_EXPR_BYTES {
        bail!("the expression is longer than {MAX_EXPR_BYTES} bytes");
    }
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '"' | '\'' | '`' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, q)) if q == c => break,
                        Some((_, '\\')) if c != '`' => match chars.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, e)) => s.push(e),
                            None => bail!("a string at column {} is not closed", at + 1),
                        },
                        Some((_, ch)) => s.push(ch),
                        None => bail!("a string at column {} is not closed", at + 1),
                    }
                }
                out.push(Tok::Str(s));
            }
            '(' => out.push(Tok::Sym("(")),
            ')' => out.push(Tok::Sym(")")),
            '[' => out.push(Tok::Sym("[")),
            ']' => out.push(Tok::Sym("]")),
            ',' => out.push(Tok::Sym(",")),
            ';' => out.push(Tok::Sym(";")),
            '{' => out.push(Tok::Sym("{")),
            '}' => out.push(Tok::Sym("}")),
            '#' => out.push(Tok::Sym("#")),
            '=' | '!' | '&' | '|' => {
                let next = chars.peek().map(|&(_, n)| n);
                let sym = match (c, next) {
                    ('=', Some('=')) => "==",
                    ('!', Some('=')) => "!=",
                    ('&', Some('&')) => "&&",
                    ('|', Some('|')) => "||",
                    ('!', _) => "!",
                    ('=', _) => "=",
                    _ => bail!("unexpected `{c}` at column {}", at + 1),
                };
                if sym.len() == 2 {
                    chars.next();
                }
                out.push(Tok::Sym(sym));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut w = String::from(c);
                while let Some(&(_, n)) = chars.peek() {
                    if !(n.is_alphanumeric() || n == '_') {
                        break;
                    }
                    w.push(n);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
            other => bail!("unexpected `{other}` at column {}", at + 1),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    depth: usize,
    /// Names bound by `let` so far.
    bound: Vec<String>,
    /// Whether a predicate (where `#` means the item) is being read.
    in_predicate: bool,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.at += 1;
            return true;
        }
        false
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(w)) if w == word) {
            self.at += 1;
            return true;
        }
        false
    }

    fn expect(&mut self, sym: &str) -> Result<()> {
        if self.eat_sym(sym) {
            return Ok(());
        }
        bail!("expected `{sym}` {}", self.found())
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "at the end".into(),
            Some(Tok::Str(s)) => format!("but found the string \"{s}\""),
            Some(Tok::Word(w)) => format!("but found `{w}`"),
            Some(Tok::Sym(s)) => format!("but found `{s}`"),
        }
    }

    fn nest(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            bail!("the expression nests deeper than {MAX_DEPTH} levels");
        }
        Ok(())
    }

    fn program(&mut self) -> Result<Expr> {
        if self.eat_word("let") {
            let Some(Tok::Word(name)) = self.peek().cloned() else {
                bail!("`let` is followed by a name {}", self.found());
            };
            self.at += 1;
            self.expect("=")?;
            let value = self.or()?;
            self.expect(";")?;
            self.nest()?;
            self.bound.push(name.clone());
            let body = self.program()?;
            self.depth -= 1;
            return Ok(Expr::Let(name, Box::new(value), Box::new(body)));
        }
        self.or()
    }

    fn or(&mut self) -> Result<Expr> {
        let mut left = self.and()?;
        while self.eat_word("or") || self.eat_sym("||") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr> {
        let mut left = self.unary()?;
        while self.eat_word("and") || self.eat_sym("&&") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat_word("not") || self.eat_sym("!") {
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr> {
        let left = self.primary()?;
        let op = match self.peek() {
            Some(Tok::Sym("==")) => Op::Eq,
            Some(Tok::Sym("!=")) => Op::Ne,
            Some(Tok::Word(w)) => match w.as_str() {
                "in" => Op::In,
                "startsWith" => Op::StartsWith,
                "endsWith" => Op::EndsWith,
                "contains" => Op::Contains,
                "matches" => Op::Matches,
                _ => return Ok(left),
            },
            _ => return Ok(left),
        };
        self.at += 1;
        let right = self.primary()?;
        if op == Op::Matches {
            // Compiled once here, so a bad pattern is a parse error.
            if let Expr::Str(p) = &right {
                compile(p)?;
            }
        }
        Ok(Expr::Binary(op, Box::new(left), Box::new(right)))
    }

    fn args(&mut self, close: &str) -> Result<Vec<Expr>> {
        self.nest()?;
        let mut args = Vec::new();
        if !self.eat_sym(close) {
            loop {
                args.push(self.or()?);
                if self.eat_sym(close) {
                    break;
                }
                self.expect(",")?;
                // A trailing comma: `["a", "b",]`.
                if self.eat_sym(close) {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(args)
    }

    fn primary(&mut self) -> Result<Expr> {
        let Some(tok) = self.peek().cloned() else {
            bail!("the expression ends where a value was expected");
        };
        self.at += 1;
        match tok {
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Sym("(") => {
                self.nest()?;
                let inner = self.or()?;
                self.expect(")")?;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Sym("[") => Ok(Expr::List(self.args("]")?)),
            Tok::Sym("#") if self.in_predicate => Ok(Expr::Item),
            Tok::Sym("#") => bail!("`#` stands only inside a predicate `{{ ... }}`"),
            Tok::Sym(s) => bail!("expected a value but found `{s}`"),
            Tok::Word(w) => {
                let quantifier = match w.as_str() {
                    "any" => Some(Quantifier::Any),
                    "all" => Some(Quantifier::All),
                    "none" => Some(Quantifier::None),
                    _ => None,
                };
                if let Some(q) = quantifier
                    && self.eat_sym("(")
                {
                    self.nest()?;
                    let list = self.or()?;
                    self.expect(",")?;
                    self.expect("{")?;
                    let outer = std::mem::replace(&mut self.in_predicate, true);
                    let predicate = self.or()?;
                    self.in_predicate = outer;
                    self.expect("}")?;
                    self.expect(")")?;
                    self.depth -= 1;
                    return Ok(Expr::Quantifier(q, Box::new(list), Box::new(predicate)));
                }
                if self.eat_sym("(") {
                    let func = match w.as_str() {
                        "semver" => Func::Semver,
                        "semverWithVersion" => Func::SemverWithVersion,
                        "trimPrefix" => Func::TrimPrefix,
                        "trimSuffix" => Func::TrimSuffix,
                        other => bail!("the function `{other}` is not supported"),
                    };
                    let args = self.args(")")?;
                    let want = match func {
                        Func::Semver => 1,
                        _ => 2,
                    };
                    if args.len() != want {
                        bail!("`{w}` takes {want} argument(s), not {}", args.len());
                    }
                    if let (Func::Semver | Func::SemverWithVersion, Some(Expr::Str(c))) =
                        (func, args.first())
                    {
                        Constraints::parse(c)?;
                    }
                    return Ok(Expr::Call(func, args));
                }
                match w.as_str() {
                    "true" => Ok(Expr::Bool(true)),
                    "false" => Ok(Expr::Bool(false)),
                    "Version" => Ok(Expr::Ident(Ident::Version)),
                    "SemVer" => Ok(Expr::Ident(Ident::SemVer)),
                    name if self.bound.iter().any(|b| b == name) => Ok(Expr::Var(w)),
                    other => {
                        bail!("`{other}` is not a variable (there are `Version` and `SemVer`)")
                    }
                }
            }
        }
    }
}

/// Parses `text`.
pub fn parse(text: &str) -> Result<Expr> {
    let inner = || -> Result<Expr> {
        let mut p = Parser {
            toks: tokenize(text)?,
            at: 0,
            depth: 0,
            bound: Vec::new(),
            in_predicate: false,
        };
        let e = p.program()?;
        if p.at != p.toks.len() {
            bail!("expected the end of the expression {}", p.found());
        }
        Ok(e)
    };
    inner().map_err(|e| anyhow!("cannot read the expression `{}`: {e}", text.trim()))
}

fn compile(pattern: &str) -> Result<regex_lite::Regex> {
    regex_lite::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| anyhow!("`{pattern}` is not a regular expression: {e}"))
}

impl Expr {
    /// The value of the expression for `env`.
    pub fn eval(&self, env: &Env) -> Result<Value> {
        self.eval_in(env, &mut Scope::default())
    }

    fn eval_in(&self, env: &Env, scope: &mut Scope) -> Result<Value> {
        Ok(match self {
            Expr::Let(name, value, body) => {
                let v = value.eval_in(env, scope)?;
                scope.vars.push((name.clone(), v));
                let out = body.eval_in(env, scope);
                scope.vars.pop();
                out?
            }
            Expr::Var(name) => scope
                .vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| anyhow!("`{name}` is not bound"))?,
            Expr::Item => scope
                .items
                .last()
                .cloned()
                .ok_or_else(|| anyhow!("`#` is used outside a predicate"))?,
            Expr::Quantifier(q, list, predicate) => {
                let Value::List(items) = list.eval_in(env, scope)? else {
                    bail!("`any`, `all` and `none` take a list");
                };
                let mut held = 0;
                for item in &items {
                    scope.items.push(item.clone());
                    let r = predicate.eval_in(env, scope).and_then(|v| v.truth());
                    scope.items.pop();
                    held += usize::from(r?);
                }
                Value::Bool(match q {
                    Quantifier::Any => held > 0,
                    Quantifier::All => held == items.len(),
                    Quantifier::None => held == 0,
                })
            }
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Ident(Ident::Version) => Value::Str(env.version.to_string()),
            Expr::Ident(Ident::SemVer) => Value::Str(env.semver.to_string()),
            Expr::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| i.eval_in(env, scope))
                    .collect::<Result<_>>()?,
            ),
            Expr::Not(e) => Value::Bool(!e.eval_in(env, scope)?.truth()?),
            Expr::And(a, b) => {
                Value::Bool(a.eval_in(env, scope)?.truth()? && b.eval_in(env, scope)?.truth()?)
            }
            Expr::Or(a, b) => {
                Value::Bool(a.eval_in(env, scope)?.truth()? || b.eval_in(env, scope)?.truth()?)
            }
            Expr::Call(f, args) => {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| a.eval_in(env, scope)?.string())
                    .collect::<Result<_>>()?;
                match f {
                    Func::Semver => Value::Bool(Constraints::parse(&args[0])?.check(env.semver)?),
                    Func::SemverWithVersion => {
                        Value::Bool(Constraints::parse(&args[0])?.check(&args[1])?)
                    }
                    Func::TrimPrefix => Value::Str(
                        args[0]
                            .strip_prefix(args[1].as_str())
                            .unwrap_or(&args[0])
                            .to_string(),
                    ),
                    Func::TrimSuffix => Value::Str(
                        args[0]
                            .strip_suffix(args[1].as_str())
                            .unwrap_or(&args[0])
                            .to_string(),
                    ),
                }
            }
            Expr::Binary(op, a, b) => {
                let (a, b) = (a.eval_in(env, scope)?, b.eval_in(env, scope)?);
                Value::Bool(match op {
                    Op::Eq => a == b,
                    Op::Ne => a != b,
                    Op::In => match b {
                        Value::List(items) => items.contains(&a),
                        _ => bail!("`in` needs a list on its right"),
                    },
                    Op::StartsWith => a.string()?.starts_with(&b.string()?),
                    Op::EndsWith => a.string()?.ends_with(&b.string()?),
                    Op::Contains => a.string()?.contains(&b.string()?),
                    Op::Matches => compile(&b.string()?)?.is_match(&a.string()?),
                })
            }
        })
    }
}

/// The names bound while evaluating, and the items predicates are asked about.
#[derive(Default)]
struct Scope {
    vars: Vec<(String, Value)>,
    items: Vec<Value>,
}

impl Value {
    fn truth(&self) -> Result<bool> {
        match self {
            Value::Bool(b) => Ok(*b),
            Value::Str(s) => bail!("the string \"{s}\" is used where true or false is expected"),
            Value::List(_) => bail!("a list is used where true or false is expected"),
        }
    }

    fn string(&self) -> Result<String> {
        match self {
            Value::Str(s) => Ok(s.clone()),
            Value::Bool(b) => bail!("`{b}` is used where a string is expected"),
            Value::List(_) => bail!("a list is used where a string is expected"),
        }
    }
}

/// Whether the expression `text` holds for `env`: a parse or evaluation
/// error, or a value other than true or false, is an error.
pub fn holds(text: &str, env: &Env) -> Result<bool> {
    let e = parse(text)?;
    e.eval(env).and_then(|v| v.truth()).map_err(|err| {
        anyhow!(
            "cannot evaluate `{}` for {}: {err}",
            text.trim(),
            env.version
        )
    })
}

/// A version as aqua's version library reads it: numeric segments (at
/// least three, padded with zeros), a pre-release, and ignored metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer {
    segments: Vec<u64>,
    pre: String,
}

impl SemVer {
    /// Reads `v1.2`, `1.2.3-rc.1`, `1.0.0beta` and `2.0+build`.
    pub fn parse(text: &str) -> Option<SemVer> {
        let t = text.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let t = t.split('+').next().unwrap_or(t);
        let end = t
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
            .map_or(t.len(), |(i, _)| i);
        let (nums, rest) = t.split_at(end);
        // A trailing dot belongs to neither part (`1.` is not a version).
        if nums.is_empty() || nums.ends_with('.') || nums.starts_with('.') {
            return None;
        }
        let mut segments = nums
            .split('.')
            .map(|s| s.parse::<u64>().ok())
            .collect::<Option<Vec<_>>>()?;
        if segments.len() > 16 {
            return None;
        }
        while segments.len() < 3 {
            segments.push(0);
        }
        let pre = rest.strip_prefix('-').unwrap_or(rest);
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '~');
        if !pre.chars().all(valid) || (rest.starts_with('-') && pre.is_empty()) {
            return None;
        }
        Some(SemVer {
            segments,
            pre: pre.to_string(),
        })
    }

    /// The `n`th numeric segment (0: major).
    pub fn segment(&self, n: usize) -> u64 {
        self.segments.get(n).copied().unwrap_or(0)
    }

    fn cmp_pre(a: &str, b: &str) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {}
        }
        let (mut x, mut y) = (a.split('.'), b.split('.'));
        loop {
            match (x.next(), y.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(p), Some(q)) => {
                    let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                        (Ok(m), Ok(n)) => m.cmp(&n),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        _ => p.cmp(q),
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
            }
        }
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let n = self.segments.len().max(other.segments.len());
        (0..n)
            .map(|i| self.segment(i).cmp(&other.segment(i)))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| SemVer::cmp_pre(&self.pre, &other.pre))
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    /// `~>`: at least this, below the next release of the one but last
    /// segment given.
    Pessimistic,
}

/// Comma-joined comparisons, all of which must hold.
#[derive(Debug, Clone)]
pub struct Constraints(Vec<(Cmp, SemVer, usize)>);

impl Constraints {
    /// Reads `>= 1.2.0, < 2`.
    pub fn parse(text: &str) -> Result<Constraints> {
        let mut out = Vec::new();
        for part in text.split(',') {
            let p = part.trim();
            let (cmp, rest) = [
                ("~>", Cmp::Pessimistic),
                (">=", Cmp::Ge),
                ("<=", Cmp::Le),
                ("!=", Cmp::Ne),
                ("==", Cmp::Eq),
                (">", Cmp::Gt),
                ("<", Cmp::Lt),
                ("=", Cmp::Eq),
            ]
            .iter()
            .find_map(|(s, c)| p.strip_prefix(s).map(|r| (*c, r)))
            .unwrap_or((Cmp::Eq, p));
            let rest = rest.trim();
            let v = SemVer::parse(rest).ok_or_else(|| {
                anyhow!("`{part}` in the constraint \"{text}\" is not a version comparison")
            })?;
            let given = rest
                .trim_start_matches('v')
                .split(['-', '+'])
                .next()
                .unwrap_or("")
                .split('.')
                .count();
            out.push((cmp, v, given));
        }
        Ok(Constraints(out))
    }

    /// Whether `version` meets every comparison. A version that is not a
    /// semantic version (`cli-v1.2.0`, `nightly`) meets none, as in aqua:
    /// the registry relies on it to reach the override for such tags.
    pub fn check(&self, version: &str) -> Result<bool> {
        let Some(v) = SemVer::parse(version) else {
            return Ok(false);
        };
        Ok(self.0.iter().all(|(cmp, c, given)| {
            // A pre-release meets only comparisons with a pre-release of
            // the same numbers.
            let pre_ok = match (c.pre.is_empty(), v.pre.is_empty()) {
                (false, false) => c.segments == v.segments,
                (true, false) => false,
                _ => true,
            };
            let o = v.cmp(c);
            pre_ok
                && match cmp {
                    Cmp::Eq => o.is_eq(),
                    Cmp::Ne => o.is_ne(),
                    Cmp::Gt => o.is_gt(),
                    Cmp::Lt => o.is_lt(),
                    Cmp::Ge => o.is_ge(),
                    Cmp::Le => o.is_le(),
                    Cmp::Pessimistic => {
                        let keep = given.saturating_sub(1).max(1);
                        o.is_ge() && (0..keep).all(|i| v.segment(i) == c.segment(i))
                    }
                }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(version: &'a str, semver: &'a str) -> Env<'a> {
        Env { version, semver }
    }

    #[test]
    fn the_registry_forms_evaluate() {
        let e = env("v1.2.3", "v1.2.3");
        for (text, want) in [
            ("true", true),
            ("false", false),
            ("semver(\">= 1.0.0\")", true),
            ("semver(\"<= 1.2.2\")", false),
            ("semver(\">= 1.0.0, < 2.0.0\")", true),
            ("Version == \"v1.2.3\"", true),
            ("Version != \"v1.2.3\"", false),
            ("Version in [\"v1.0.0\", \"v1.2.3\"]", true),
            ("Version in [\"v1.0.0\",  \"v1.1.0\",]", false),
            ("Version startsWith \"v1.\"", true),
            ("not (Version startsWith \"v1.\")", false),
            ("!(Version startsWith \"v2\") && true", true),
            ("semver(\"< 1\") or Version == \"v1.2.3\"", true),
            (
                "semver(\"< 1\") || semver(\"> 2\") || (semver(\">= 1.2\"))",
                true,
            ),
            ("false and true or true", true),
            ("not false and false", false),
            ("Version matches \"^v\\\\d+\\\\.\\\\d+\"", true),
            ("Version contains \"2.3\"", true),
            ("Version endsWith \".3\"", true),
            ("SemVer in [\"v1.2.3\"]", true),
            (
                "Version startsWith \"v\" and semverWithVersion(\">= 1.2\", trimPrefix(Version, \"v\"))",
                true,
            ),
            ("trimSuffix(Version, \".3\") == \"v1.2\"", true),
            (
                "let words = [\"lsp\", \"nightly\"];\nnot any(words, {Version matches #})\n",
                true,
            ),
            ("all([\"v1\", \"1.2\"], {Version contains #})", true),
            ("none([\"v1\"], {Version startsWith #})", false),
        ] {
            assert_eq!(holds(text, &e).unwrap(), want, "{text}");
        }
        let prefixed = env("cli/v2.0.0", "v2.0.0");
        assert!(holds("semver(\">= 2\")", &prefixed).unwrap());
        assert!(
            holds(
                "semverWithVersion(\">= 2\", trimPrefix(Version, \"cli/\"))",
                &prefixed
            )
            .unwrap()
        );
    }

    #[test]
    fn pre_releases_match_only_their_own_version() {
        let c = Constraints::parse("<= 2.0.0").unwrap();
        assert!(!c.check("v1.0.0-rc1").unwrap());
        assert!(c.check("v1.9.9").unwrap());
        let c = Constraints::parse("<= 2.0.0-alpha.1").unwrap();
        assert!(c.check("v2.0.0-alpha.1").unwrap());
        assert!(!c.check("v2.0.0-beta").unwrap());
        assert!(c.check("v1.0.0").unwrap());
        assert!(Constraints::parse("< 1.0").unwrap().check("0.9.9").unwrap());
        assert!(Constraints::parse("~> 1.2").unwrap().check("1.9").unwrap());
        assert!(
            !Constraints::parse("~> 1.2.0")
                .unwrap()
                .check("1.3.0")
                .unwrap()
        );
        assert!(SemVer::parse("1.0.0beta") < SemVer::parse("1.0.0"));
        assert!(SemVer::parse("1.0.0-rc.10") > SemVer::parse("1.0.0-rc.9"));
    }

    #[test]
    fn errors_say_what_is_wrong_and_never_panic() {
        for (text, says) in [
            ("Version ==", "ends where a value was expected"),
            ("Version = \"x\"", "but found `=`"),
            ("\"open", "is not closed"),
            ("nope(Version)", "the function `nope` is not supported"),
            ("Ver == \"x\"", "`Ver` is not a variable"),
            ("semver(\">= 1\", \"x\")", "takes 1 argument(s)"),
            ("semver(\"about 1\")", "is not a version comparison"),
            ("(true", "expected `)` at the end"),
            ("true true", "expected the end of the expression"),
            ("Version matches \"(\"", "is not a regular expression"),
            ("Version == #", "`#` stands only inside a predicate"),
            ("let x = 1; x", "unexpected `1`"),
            ("let = \"a\"; true", "`let` is followed by a name"),
            ("any([\"a\"], Version)", "expected `{`"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
        let deep = format!("{}true{}", "(".repeat(100), ")".repeat(100));
        assert!(
            parse(&deep)
                .unwrap_err()
                .to_string()
                .contains("nests deeper")
        );
        let nots = format!("{}true", "!".repeat(10_000));
        assert!(parse(&nots).is_err());
        let err = holds("\"x\"", &env("v1", "v1")).unwrap_err().to_string();
        assert!(err.contains("where true or false is expected"), "{err}");
        assert!(!holds("semver(\">= 1\")", &env("nightly", "nightly")).unwrap());
        assert!(!holds("semver(\"< 1\")", &env("cli-v0.1", "cli-v0.1")).unwrap());
    }

    proptest::proptest! {
        /// Any text is read or refused with an error, never a panic.
        #[test]
        fn arbitrary_text_never_panics(text in "[ -~]{0,120}") {
            if let Ok(e) = parse(&text) {
                let _ = e.eval(&env("v1.2.3", "1.2.3"));
            }
        }

        #[test]
        fn registry_like_text_never_panics(text in "(\\{\\{|\\}\\}|[()\\[\\]|.,!&=#;{} ]|\"[a-z]{0,3}\"|Version|semver|not|and|or|in|let|any|trimV|index|splitList|if|else|end|\\.OS|\\.Vars\\.x|[0-9]){0,40}") {
            if let Ok(e) = parse(&text) {
                let _ = e.eval(&env("v1.2.3", "1.2.3"));
            }
        }
    }
}
