//! ConnectWise's `conditions` filter language, as far as the research describes it
//! (research/arcticwolf-connectwise.md §2.7): `field op value` joined by `and`/`or`
//! (`and` binds tighter), grouped with `()`, negated with `not`; operators
//! `= != < <= > >= like contains in`; strings in double quotes (`\"` escapes), numbers,
//! `true`/`false`/`null`, dates in square brackets; nested fields with `/`
//! (`board/id`, `_info/lastUpdated`; a bare `lastUpdated` reads `_info/lastUpdated`).
//! String comparisons ignore case, as SQL Server's default collation does [I].

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(String, Op, Lit),
    In(String, Vec<Lit>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    Contains,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Date(String),
    Op(Op),
    Open,
    Close,
    Comma,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '"' | '\'' => {
                let quote = c;
                let mut v = String::new();
                i += 1;
                loop {
                    match cs.get(i) {
                        None => return Err("unterminated string".into()),
                        Some('\\') if cs.get(i + 1).is_some() => {
                            v.push(cs[i + 1]);
                            i += 2;
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            v.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            '[' => {
                let end = cs[i..]
                    .iter()
                    .position(|&x| x == ']')
                    .ok_or("unterminated date")?;
                out.push(Tok::Date(cs[i + 1..i + end].iter().collect()));
                i += end + 1;
            }
            '=' => {
                out.push(Tok::Op(Op::Eq));
                i += 1
            }
            '!' if cs.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op(Op::Ne));
                i += 2
            }
            '<' | '>' => {
                let eq = cs.get(i + 1) == Some(&'=');
                out.push(Tok::Op(match (c, eq) {
                    ('<', true) => Op::Le,
                    ('<', false) => Op::Lt,
                    ('>', true) => Op::Ge,
                    _ => Op::Gt,
                }));
                i += if eq { 2 } else { 1 };
            }
            _ => {
                let start = i;
                while i < cs.len() && !" \t\n\r()=!<>,\"'[".contains(cs[i]) {
                    i += 1;
                }
                if start == i {
                    return Err(format!("unexpected '{c}'"));
                }
                out.push(Tok::Word(cs[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        while self.keyword("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.term()?)));
        }
        match self.next() {
            Some(Tok::Open) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::Close) => Ok(e),
                    _ => Err("expected ')'".into()),
                }
            }
            Some(Tok::Word(field)) => {
                let op = match self.next() {
                    Some(Tok::Op(op)) => op,
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("like") => Op::Like,
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("contains") => Op::Contains,
                    Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => {
                        if self.next() != Some(Tok::Open) {
                            return Err("expected '(' after in".into());
                        }
                        let mut values = vec![self.literal()?];
                        loop {
                            match self.next() {
                                Some(Tok::Comma) => values.push(self.literal()?),
                                Some(Tok::Close) => break,
                                _ => return Err("expected ',' or ')' in the in list".into()),
                            }
                        }
                        return Ok(Expr::In(field, values));
                    }
                    _ => return Err(format!("expected an operator after {field}")),
                };
                Ok(Expr::Cmp(field, op, self.literal()?))
            }
            other => Err(format!("expected a field, found {other:?}")),
        }
    }

    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) | Some(Tok::Date(s)) => Ok(Lit::Str(s)),
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "true" => Ok(Lit::Bool(true)),
                "false" => Ok(Lit::Bool(false)),
                "null" => Ok(Lit::Null),
                _ => w
                    .parse::<f64>()
                    .map(Lit::Num)
                    .map_err(|_| format!("'{w}' is not a value; quote strings")),
            },
            other => Err(format!("expected a value, found {other:?}")),
        }
    }
}

/// Parses a `conditions` string.
pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(s)?,
        at: 0,
    };
    let e = p.or()?;
    if p.at < p.toks.len() {
        return Err(format!("unexpected {:?}", p.toks[p.at]));
    }
    Ok(e)
}

fn lookup<'a>(record: &'a Value, field: &str) -> &'a Value {
    let path = if field.eq_ignore_ascii_case("lastUpdated") {
        "_info/lastUpdated"
    } else {
        field
    };
    let mut v = record;
    for part in path.split('/') {
        v = match v.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(part))
                .map(|(_, v)| v)
        }) {
            Some(x) => x,
            None => return &Value::Null,
        };
    }
    v
}

fn like(value: &str, pattern: &str) -> bool {
    let (v, p) = (value.to_lowercase(), pattern.to_lowercase());
    let parts: Vec<&str> = p.split('%').collect();
    if parts.len() == 1 {
        return v == p;
    }
    let mut rest = v.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !rest.starts_with(part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

fn compare(v: &Value, op: Op, lit: &Lit) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (v, lit) {
        (Value::Null, Lit::Null) => Some(Ordering::Equal),
        (_, Lit::Null) | (Value::Null, _) => None,
        (Value::Number(n), Lit::Num(x)) => n.as_f64().and_then(|n| n.partial_cmp(x)),
        (Value::Bool(b), Lit::Bool(x)) => Some(b.cmp(x)),
        (Value::String(s), Lit::Str(x)) => match op {
            Op::Like => return like(s, x),
            Op::Contains => return s.to_lowercase().contains(&x.to_lowercase()),
            _ => Some(s.to_lowercase().cmp(&x.to_lowercase())),
        },
        (Value::Number(n), Lit::Str(x)) => Some(n.to_string().cmp(x)),
        _ => None,
    };
    match (op, ord) {
        (Op::Eq, Some(o)) => o == Ordering::Equal,
        (Op::Ne, Some(o)) => o != Ordering::Equal,
        (Op::Ne, None) => !matches!((v, lit), (Value::Null, Lit::Null)),
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        _ => false,
    }
}

impl Expr {
    pub fn matches(&self, record: &Value) -> bool {
        match self {
            Expr::And(a, b) => a.matches(record) && b.matches(record),
            Expr::Or(a, b) => a.matches(record) || b.matches(record),
            Expr::Not(a) => !a.matches(record),
            Expr::Cmp(field, op, lit) => compare(lookup(record, field), *op, lit),
            Expr::In(field, lits) => {
                let v = lookup(record, field);
                lits.iter().any(|l| compare(v, Op::Eq, l))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t() -> Value {
        json!({"id": 7, "externalXRef": "tix:sonar:g-1", "closedFlag": false,
               "board": {"id": 3, "name": "Help Desk"}, "summary": "Say \"hi\"",
               "_info": {"lastUpdated": "2026-11-20T10:00:00Z"}})
    }

    #[test]
    fn the_researched_examples_parse_and_match() {
        for (cond, want) in [
            ("externalXRef=\"tix:sonar:g-1\"", true),
            ("externalXRef = \"TIX:SONAR:G-1\"", true),
            ("externalXRef like \"tix:%\" and board/id=3", true),
            (
                "board/name=\"Integration\" and summary=\"xyz\" or board/id in (3, 2, 4) and lastUpdated > [2016-08-20T18:04:26Z]",
                true,
            ),
            ("closedFlag = false and parentTicketId = null", true),
            ("not (id = 7)", false),
            ("id != 7 or summary contains \"hi\"", true),
            ("summary = \"Say \\\"hi\\\"\"", true),
            ("_info/lastUpdated < [2026-01-01T00:00:00Z]", false),
        ] {
            assert_eq!(parse(cond).unwrap().matches(&t()), want, "{cond}");
        }
    }

    #[test]
    fn malformed_conditions_say_why() {
        for bad in ["id =", "id 7", "(id = 7", "summary = \"x", "id = abc"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
