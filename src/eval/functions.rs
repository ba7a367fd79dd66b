//! Terraform-compatible built-in functions for `hcl-rs` expression evaluation.
//!
//! [`register`] declares every function in an [`hcl::eval::Context`]; [`names`] lists them.
//! All parameters are declared as [`ParamType::Any`] so that arguments can be converted the
//! way Terraform converts them (e.g. `"10"` to a number, `5` to a string) and so that type
//! errors carry a clear, function-specific message. `try` and `can` are deliberately absent:
//! they need unevaluated arguments and are handled by the evaluator itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use hcl::eval::{Context, Func, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Number, Value};
use ipnet::IpNet;

type FnResult = Result<Value, String>;

/// One built-in: its name, implementation, number of positional parameters and whether it
/// takes any number of extra (variadic) arguments.
struct Builtin {
    name: &'static str,
    func: Func,
    params: usize,
    variadic: bool,
}

const fn fixed(name: &'static str, func: Func, params: usize) -> Builtin {
    Builtin {
        name,
        func,
        params,
        variadic: false,
    }
}

const fn variadic(name: &'static str, func: Func, params: usize) -> Builtin {
    Builtin {
        name,
        func,
        params,
        variadic: true,
    }
}

static BUILTINS: &[Builtin] = &[
    // IP network functions.
    fixed("cidrhost", cidrhost, 2),
    fixed("cidrnetmask", cidrnetmask, 1),
    fixed("cidrsubnet", cidrsubnet, 3),
    variadic("cidrsubnets", cidrsubnets, 1),
    // String functions.
    variadic("format", format, 1),
    variadic("formatlist", formatlist, 1),
    variadic("join", join, 1),
    fixed("split", split, 2),
    fixed("upper", upper, 1),
    fixed("lower", lower, 1),
    fixed("title", title, 1),
    fixed("replace", replace, 3),
    fixed("trimspace", trimspace, 1),
    fixed("trim", trim, 2),
    fixed("trimprefix", trimprefix, 2),
    fixed("trimsuffix", trimsuffix, 2),
    fixed("substr", substr, 3),
    fixed("startswith", startswith, 2),
    fixed("endswith", endswith, 2),
    // Collection functions.
    fixed("length", length, 1),
    variadic("lookup", lookup, 2),
    variadic("merge", merge, 0),
    variadic("concat", concat, 0),
    fixed("element", element, 2),
    fixed("contains", contains, 2),
    fixed("keys", keys, 1),
    fixed("values", values, 1),
    fixed("distinct", distinct, 1),
    fixed("flatten", flatten, 1),
    fixed("compact", compact, 1),
    fixed("zipmap", zipmap, 2),
    fixed("sort", sort, 1),
    fixed("reverse", reverse, 1),
    fixed("index", index, 2),
    fixed("slice", slice, 3),
    fixed("one", one, 1),
    variadic("coalesce", coalesce, 0),
    variadic("range", range, 0),
    // Numeric functions.
    variadic("min", min, 0),
    variadic("max", max, 0),
    fixed("sum", sum, 1),
    fixed("abs", abs, 1),
    fixed("ceil", ceil, 1),
    fixed("floor", floor, 1),
    // Type conversion functions.
    fixed("toset", toset, 1),
    fixed("tolist", tolist, 1),
    fixed("tomap", tomap, 1),
    fixed("tostring", tostring, 1),
    fixed("tonumber", tonumber, 1),
    fixed("tobool", tobool, 1),
    // Encoding functions.
    fixed("jsonencode", jsonencode, 1),
    fixed("jsondecode", jsondecode, 1),
];

/// Declares every built-in function in `ctx`.
pub fn register(ctx: &mut Context<'_>) {
    for builtin in BUILTINS {
        let mut def =
            FuncDef::builder().params(std::iter::repeat_n(ParamType::Any, builtin.params));
        if builtin.variadic {
            def = def.variadic_param(ParamType::Any);
        }
        ctx.declare_func(builtin.name, def.build(builtin.func));
    }
}

/// Names of all functions registered (for "unknown function" diagnostics / suggestions).
pub fn names() -> &'static [&'static str] {
    static NAMES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| BUILTINS.iter().map(|b| b.name).collect());
    &NAMES
}

// ---------------------------------------------------------------------------------------------
// Argument conversion helpers
// ---------------------------------------------------------------------------------------------

/// A user-facing name for the type of `value`.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Renders a number the way Terraform's `tostring` does: whole numbers without a fraction,
/// never in exponent notation.
fn number_to_string(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        // `Display` for f64 gives the shortest round-tripping form without an exponent.
        n.as_f64().unwrap_or_default().to_string()
    }
}

/// Parses a string as a number the way Terraform converts strings to numbers.
fn parse_number(s: &str) -> Option<f64> {
    let plausible = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !plausible {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Converts a primitive value to a string (numbers and bools are converted).
fn arg_str(func: &str, what: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(number_to_string(n)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(format!("{func}: {what} must not be null")),
        other => Err(format!(
            "{func}: {what} must be a string, got {}",
            type_name(other)
        )),
    }
}

/// Converts a value to a number (numeric strings are converted).
fn arg_num(func: &str, what: &str, value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => Ok(n.as_f64().unwrap_or_default()),
        Value::String(s) => {
            parse_number(s).ok_or_else(|| format!("{func}: {what} must be a number, got {s:?}"))
        }
        Value::Null => Err(format!("{func}: {what} must not be null")),
        other => Err(format!(
            "{func}: {what} must be a number, got {}",
            type_name(other)
        )),
    }
}

/// Converts a value to a whole number.
fn arg_int(func: &str, what: &str, value: &Value) -> Result<i64, String> {
    if let Value::Number(n) = value
        && let Some(i) = n.as_i64()
    {
        return Ok(i);
    }
    let f = arg_num(func, what, value)?;
    #[allow(clippy::cast_precision_loss)]
    let in_range = (i64::MIN as f64..=i64::MAX as f64).contains(&f);
    if f.fract() != 0.0 || !in_range {
        return Err(format!(
            "{func}: {what} must be a whole number, got {}",
            display_f64(f)
        ));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(f as i64)
}

/// Converts a value to a bool (`"true"` and `"false"` strings are converted).
fn arg_bool(func: &str, what: &str, value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::String(s) => Err(format!("{func}: {what} must be a bool, got {s:?}")),
        Value::Null => Err(format!("{func}: {what} must not be null")),
        other => Err(format!(
            "{func}: {what} must be a bool, got {}",
            type_name(other)
        )),
    }
}

fn arg_list<'a>(func: &str, what: &str, value: &'a Value) -> Result<&'a Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Null => Err(format!("{func}: {what} must not be null")),
        other => Err(format!(
            "{func}: {what} must be a list, got {}",
            type_name(other)
        )),
    }
}

fn arg_map<'a>(func: &str, what: &str, value: &'a Value) -> Result<&'a Map<String, Value>, String> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Err(format!("{func}: {what} must not be null")),
        other => Err(format!(
            "{func}: {what} must be a map or object, got {}",
            type_name(other)
        )),
    }
}

fn display_f64(f: f64) -> String {
    Number::from_f64(f).map_or_else(|| f.to_string(), |n| number_to_string(&n))
}

/// Wraps an `f64` result as a number value.
fn num(func: &str, f: f64) -> FnResult {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| format!("{func}: result is not a finite number"))
}

/// Converts mixed primitive elements to a single type the way Terraform does: if strings are
/// mixed with numbers or bools, everything becomes a string. Nulls are kept.
fn unify(func: &str, values: &[Value]) -> Result<Vec<Value>, String> {
    let has = |pred: fn(&Value) -> bool| values.iter().any(pred);
    let strings = has(Value::is_string);
    let numbers = has(Value::is_number);
    let bools = has(Value::is_boolean);
    let collections = has(|v| v.is_array() || v.is_object());
    let primitive_kinds = [strings, numbers, bools].iter().filter(|b| **b).count();

    if primitive_kinds == 0 || (primitive_kinds == 1 && !collections) {
        return Ok(values.to_vec());
    }
    if collections || !strings {
        return Err(format!(
            "{func}: all elements must have the same type, or be convertible to string"
        ));
    }
    values
        .iter()
        .map(|v| match v {
            Value::Null => Ok(Value::Null),
            other => arg_str(func, "element", other).map(Value::String),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// IP network functions
// ---------------------------------------------------------------------------------------------

/// Terraform accepts IPv4 octets with leading zeros (as decimal); `std` does not.
fn strip_ipv4_leading_zeros(s: &str) -> Option<String> {
    let (addr, len) = s.split_once('/')?;
    let parts: Vec<&str> = addr.split('.').collect();
    let valid = parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    if !valid {
        return None;
    }
    let octets: Vec<&str> = parts
        .iter()
        .map(|p| match p.trim_start_matches('0') {
            "" => "0",
            trimmed => trimmed,
        })
        .collect();
    Some(format!("{}/{len}", octets.join(".")))
}

/// Parses a CIDR prefix; host bits are cleared like Go's `net.ParseCIDR`.
fn parse_cidr(func: &str, value: &Value) -> Result<IpNet, String> {
    let s = arg_str(func, "prefix", value)?;
    let normalized = strip_ipv4_leading_zeros(&s);
    normalized
        .as_deref()
        .unwrap_or(&s)
        .parse::<IpNet>()
        .map(|net| net.trunc())
        .map_err(|_| format!("{func}: prefix {s:?} is not a valid CIDR"))
}

/// Network address as an integer, prefix length and address width in bits.
fn net_parts(net: &IpNet) -> (u128, u32, u32) {
    match net {
        IpNet::V4(n) => (
            u128::from(u32::from(n.network())),
            u32::from(n.prefix_len()),
            32,
        ),
        IpNet::V6(n) => (u128::from(n.network()), u32::from(n.prefix_len()), 128),
    }
}

fn make_addr(bits: u32, value: u128) -> IpAddr {
    if bits == 32 {
        // Addresses derived from an IPv4 network always fit in 32 bits.
        IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX)))
    } else {
        IpAddr::V6(Ipv6Addr::from(value))
    }
}

fn make_net(func: &str, bits: u32, value: u128, prefix: u32) -> Result<IpNet, String> {
    let prefix = u8::try_from(prefix).map_err(|_| format!("{func}: prefix too long"))?;
    IpNet::new(make_addr(bits, value), prefix).map_err(|e| format!("{func}: {e}"))
}

/// `2^host_bits - 1`, the largest host number in a network with `host_bits` host bits.
fn max_host(host_bits: u32) -> u128 {
    u128::MAX.checked_shr(128 - host_bits).unwrap_or(0)
}

fn cidrhost(args: FuncArgs) -> FnResult {
    const F: &str = "cidrhost";
    let net = parse_cidr(F, &args[0])?;
    let hostnum = arg_int(F, "hostnum", &args[1])?;
    let (base, prefix, bits) = net_parts(&net);
    let max = max_host(bits - prefix);
    let too_big =
        || format!("{F}: prefix of {prefix} does not accommodate a host numbered {hostnum}");
    let offset = if hostnum >= 0 {
        u128::from(hostnum.unsigned_abs())
    } else {
        // -1 is the last address, -2 the one before it, and so on.
        let back = u128::from(hostnum.unsigned_abs()) - 1;
        max.checked_sub(back).ok_or_else(too_big)?
    };
    if offset > max {
        return Err(too_big());
    }
    Ok(Value::String(make_addr(bits, base | offset).to_string()))
}

fn cidrnetmask(args: FuncArgs) -> FnResult {
    const F: &str = "cidrnetmask";
    match parse_cidr(F, &args[0])? {
        IpNet::V4(net) => Ok(Value::String(net.netmask().to_string())),
        IpNet::V6(net) => Err(format!(
            "{F}: IPv6 addresses cannot have a netmask: {net} (only IPv4 prefixes are supported)"
        )),
    }
}

/// Validates `newbits` for `cidrsubnet`/`cidrsubnets` and returns the new prefix length.
fn extend_prefix(func: &str, prefix: u32, bits: u32, newbits: i64) -> Result<u32, String> {
    if newbits > 32 {
        return Err(format!(
            "{func}: may not extend prefix by more than 32 bits"
        ));
    }
    let newbits = u32::try_from(newbits)
        .map_err(|_| format!("{func}: newbits must not be negative, got {newbits}"))?;
    let new_prefix = prefix + newbits;
    if new_prefix > bits {
        let family = if bits == 32 { "IPv4" } else { "IPv6" };
        return Err(format!(
            "{func}: insufficient address space to extend prefix of {prefix} by {newbits} \
             (a /{new_prefix} is too long for an {family} address)"
        ));
    }
    Ok(new_prefix)
}

fn cidrsubnet(args: FuncArgs) -> FnResult {
    const F: &str = "cidrsubnet";
    let net = parse_cidr(F, &args[0])?;
    let newbits = arg_int(F, "newbits", &args[1])?;
    let netnum = arg_int(F, "netnum", &args[2])?;
    let (base, prefix, bits) = net_parts(&net);
    let new_prefix = extend_prefix(F, prefix, bits, newbits)?;
    let newbits = new_prefix - prefix;
    let netnum = u128::try_from(netnum)
        .ok()
        .filter(|n| *n <= max_host(newbits))
        .ok_or_else(|| {
            format!(
                "{F}: prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            )
        })?;
    let subnet = base | netnum.checked_shl(bits - new_prefix).unwrap_or(0);
    Ok(Value::String(
        make_net(F, bits, subnet, new_prefix)?.to_string(),
    ))
}

fn cidrsubnets(args: FuncArgs) -> FnResult {
    const F: &str = "cidrsubnets";
    let net = parse_cidr(F, &args[0])?;
    let (base, prefix, bits) = net_parts(&net);
    let host_bits = bits - prefix;
    // Next free offset inside the network; `None` once the whole IPv6 space is used up.
    let mut next: Option<u128> = Some(0);
    let mut previous: Option<IpNet> = None;
    let mut subnets = Vec::with_capacity(args.len() - 1);

    for (i, arg) in args.iter().enumerate().skip(1) {
        let newbits = arg_int(F, "newbits", arg)?;
        if newbits < 1 {
            return Err(format!(
                "{F}: newbits argument {i} must extend the prefix by at least one bit, got {newbits}"
            ));
        }
        let new_prefix = extend_prefix(F, prefix, bits, newbits)?;
        // new_prefix > prefix, so the subnet size is at most 2^127.
        let size = 1u128 << (bits - new_prefix);
        let start = next
            .and_then(|n| n.checked_add(size - 1))
            .map(|n| n & !(size - 1));
        let last = start.map(|s| s + (size - 1));
        let (Some(start), Some(last)) = (start, last) else {
            return Err(no_space(F, new_prefix, previous.as_ref(), &net));
        };
        if host_bits < 128 && last >> host_bits != 0 {
            return Err(no_space(F, new_prefix, previous.as_ref(), &net));
        }
        let subnet = make_net(F, bits, base | start, new_prefix)?;
        subnets.push(Value::String(subnet.to_string()));
        previous = Some(subnet);
        next = last.checked_add(1);
    }
    Ok(Value::Array(subnets))
}

fn no_space(func: &str, new_prefix: u32, previous: Option<&IpNet>, net: &IpNet) -> String {
    let after = previous.unwrap_or(net);
    format!(
        "{func}: not enough remaining address space for a subnet with a prefix of \
         {new_prefix} bits after {after}"
    )
}

// ---------------------------------------------------------------------------------------------
// format / formatlist
// ---------------------------------------------------------------------------------------------

/// A parsed `%` verb: flags, width, precision and the verb character.
#[derive(Debug, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
    verb: char,
}

fn parse_digits(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    while *i < chars.len() && chars[*i].is_ascii_digit() {
        *i += 1;
    }
    (*i > start).then(|| {
        chars[start..*i].iter().fold(0usize, |acc, c| {
            acc.saturating_mul(10)
                .saturating_add(c.to_digit(10).unwrap_or(0) as usize)
        })
    })
}

/// Implements Terraform's `format` for one format string and argument list.
fn format_impl(func: &str, fmt: &str, args: &[Value]) -> Result<String, String> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len());
    let mut i = 0;
    let mut next_arg = 0usize;
    let mut max_used = 0usize;
    let mut reordered = false;

    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let verb_start = i;
        i += 1;
        let mut spec = Spec::default();
        while i < chars.len() {
            match chars[i] {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                '#' => spec.sharp = true,
                _ => break,
            }
            i += 1;
        }
        if i < chars.len() && chars[i] == '[' {
            i += 1;
            let index = parse_digits(&chars, &mut i);
            match (index, chars.get(i)) {
                (Some(n), Some(']')) if n >= 1 => {
                    next_arg = n - 1;
                    reordered = true;
                    i += 1;
                }
                _ => {
                    return Err(format!(
                        "{func}: invalid argument index in format string at offset {verb_start}"
                    ));
                }
            }
        }
        spec.width = parse_digits(&chars, &mut i);
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            spec.precision = Some(parse_digits(&chars, &mut i).unwrap_or(0));
        }
        let Some(&verb) = chars.get(i) else {
            return Err(format!(
                "{func}: unterminated format verb at offset {verb_start}"
            ));
        };
        i += 1;
        spec.verb = verb;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let verb_text: String = chars[verb_start..i].iter().collect();
        let Some(arg) = args.get(next_arg) else {
            return Err(format!(
                "{func}: not enough arguments for \"{verb_text}\" at offset {verb_start}: \
                 need argument {} but have {} total",
                next_arg + 1,
                args.len()
            ));
        };
        let unsupported = |msg: &str| {
            format!("{func}: unsupported value for \"{verb_text}\" at offset {verb_start}: {msg}")
        };
        out.push_str(&format_verb(&spec, arg, unsupported)?);
        next_arg += 1;
        max_used = max_used.max(next_arg);
    }

    if !reordered && max_used < args.len() {
        return Err(format!(
            "{func}: too many arguments; only {max_used} used by format string"
        ));
    }
    Ok(out)
}

/// Formats a single argument according to `spec`.
fn format_verb(
    spec: &Spec,
    arg: &Value,
    unsupported: impl Fn(&str) -> String,
) -> Result<String, String> {
    if arg.is_null() && spec.verb != 'v' {
        return Err(unsupported("null value cannot be formatted"));
    }
    let truncate = |s: String| match spec.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    };
    let text = match spec.verb {
        'v' if spec.sharp => json_string(arg),
        'v' => match arg {
            Value::Null => "null".to_owned(),
            Value::Array(_) | Value::Object(_) => json_string(arg),
            Value::Number(n) => number_to_string(n),
            Value::Bool(b) => b.to_string(),
            Value::String(s) => truncate(s.clone()),
        },
        's' => truncate(arg_str("", "", arg).map_err(|_| unsupported("string required"))?),
        'q' => {
            let s = arg_str("", "", arg).map_err(|_| unsupported("string required"))?;
            json_string(&Value::String(truncate(s)))
        }
        't' => arg_bool("", "", arg)
            .map_err(|_| unsupported("bool required"))?
            .to_string(),
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = arg_num("", "", arg).map_err(|_| unsupported("number required"))?;
            let (digits, prefix) = format_number(spec, n, &unsupported)?;
            let sign = if n < 0.0 {
                "-"
            } else if spec.plus {
                "+"
            } else if spec.space {
                " "
            } else {
                ""
            };
            let integer_verb = matches!(spec.verb, 'b' | 'd' | 'o' | 'x' | 'X');
            let zero_pad = spec.zero && !spec.minus && !(integer_verb && spec.precision.is_some());
            let used = sign.len() + prefix.len() + digits.chars().count();
            return Ok(match spec.width {
                Some(w) if zero_pad && w > used => {
                    format!("{sign}{prefix}{}{digits}", "0".repeat(w - used))
                }
                _ => pad(spec, format!("{sign}{prefix}{digits}")),
            });
        }
        other => return Err(unsupported(&format!("unrecognized format verb '{other}'"))),
    };
    Ok(pad(spec, text))
}

/// Pads `text` with spaces to the spec's width (left-justified with the `-` flag).
fn pad(spec: &Spec, text: String) -> String {
    let len = text.chars().count();
    match spec.width {
        Some(w) if w > len && spec.minus => format!("{text}{}", " ".repeat(w - len)),
        Some(w) if w > len => format!("{}{text}", " ".repeat(w - len)),
        _ => text,
    }
}

/// Formats the magnitude of `n` for a numeric verb; returns the digits and a `#` prefix.
fn format_number(
    spec: &Spec,
    n: f64,
    unsupported: &impl Fn(&str) -> String,
) -> Result<(String, &'static str), String> {
    let abs = n.abs();
    let upper = spec.verb.is_ascii_uppercase();
    if matches!(spec.verb, 'b' | 'd' | 'o' | 'x' | 'X') {
        #[allow(clippy::cast_precision_loss)]
        let fits = abs < u128::MAX as f64;
        if abs.fract() != 0.0 || !fits {
            return Err(unsupported("an integer is required"));
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let int = abs as u128;
        let (mut digits, prefix) = match spec.verb {
            'b' => (format!("{int:b}"), "0b"),
            'o' => (format!("{int:o}"), "0"),
            'x' => (format!("{int:x}"), "0x"),
            'X' => (format!("{int:X}"), "0X"),
            _ => (int.to_string(), ""),
        };
        if let Some(p) = spec.precision
            && digits.len() < p
        {
            digits = format!("{}{digits}", "0".repeat(p - digits.len()));
        }
        return Ok((digits, if spec.sharp { prefix } else { "" }));
    }
    let digits = match spec.verb {
        'f' => format!("{abs:.*}", spec.precision.unwrap_or(6)),
        'e' | 'E' => format_exp(abs, spec.precision.unwrap_or(6), upper),
        _ => format_general(abs, spec.precision, upper),
    };
    Ok((digits, ""))
}

/// Go-style `%e`: `d.ddddde±dd`.
fn format_exp(abs: f64, precision: usize, upper: bool) -> String {
    let s = format!("{abs:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    exp_notation(mantissa, exp.parse().unwrap_or(0), upper)
}

fn exp_notation(mantissa: &str, exp: i32, upper: bool) -> String {
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{sign}{:02}", exp.unsigned_abs())
}

/// Go-style `%g`: shortest representation (or `precision` significant digits), in exponent
/// notation for very large or small exponents.
fn format_general(abs: f64, precision: Option<usize>, upper: bool) -> String {
    if abs == 0.0 {
        return "0".to_owned();
    }
    let sci = match precision {
        None => format!("{abs:e}"),
        Some(p) => format!("{abs:.*e}", p.max(1) - 1),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let dp = exp + 1;
    let eprec = match precision {
        None => 6,
        Some(p) => {
            let p = i32::try_from(p.max(1)).unwrap_or(i32::MAX);
            if p > nd && nd >= dp { nd } else { p }
        }
    };
    if exp < -4 || exp >= eprec {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        return exp_notation(&mantissa, exp, upper);
    }
    let digit_at = |k: i32| {
        usize::try_from(k)
            .ok()
            .and_then(|k| digits.as_bytes().get(k))
            .map_or('0', |b| char::from(*b))
    };
    let mut out: String = if dp <= 0 {
        "0".to_owned()
    } else {
        (0..dp).map(digit_at).collect()
    };
    let decimals = (nd - dp).max(0);
    if decimals > 0 {
        out.push('.');
        out.extend((dp..dp + decimals).map(digit_at));
    }
    out
}

fn format(args: FuncArgs) -> FnResult {
    let fmt = arg_str("format", "format string", &args[0])?;
    format_impl("format", &fmt, &args[1..]).map(Value::String)
}

fn formatlist(args: FuncArgs) -> FnResult {
    const F: &str = "formatlist";
    let fmt = arg_str(F, "format string", &args[0])?;
    let rest = &args[1..];
    let mut len: Option<(usize, usize)> = None;
    for (i, arg) in rest.iter().enumerate() {
        match arg {
            Value::Null => return Err(format!("{F}: argument {} is null", i + 1)),
            Value::Array(items) => match len {
                Some((n, j)) if n != items.len() => {
                    return Err(format!(
                        "{F}: argument {} has length {}, which is inconsistent with argument {} \
                         of length {n}",
                        i + 1,
                        items.len(),
                        j + 1
                    ));
                }
                Some(_) => {}
                None => len = Some((items.len(), i)),
            },
            _ => {}
        }
    }
    let count = len.map_or(1, |(n, _)| n);
    (0..count)
        .map(|row| {
            let row_args: Vec<Value> = rest
                .iter()
                .map(|arg| match arg {
                    Value::Array(items) => items[row].clone(),
                    other => other.clone(),
                })
                .collect();
            format_impl(F, &fmt, &row_args).map(Value::String)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

// ---------------------------------------------------------------------------------------------
// String functions
// ---------------------------------------------------------------------------------------------

fn join(args: FuncArgs) -> FnResult {
    const F: &str = "join";
    let sep = arg_str(F, "separator", &args[0])?;
    if args.len() < 2 {
        return Err(format!("{F}: at least one list is required"));
    }
    let mut parts = Vec::new();
    for list in &args[1..] {
        for (i, item) in arg_list(F, "each argument after the separator", list)?
            .iter()
            .enumerate()
        {
            parts.push(arg_str(F, &format!("element {i}"), item)?);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: FuncArgs) -> FnResult {
    const F: &str = "split";
    let sep = arg_str(F, "separator", &args[0])?;
    let s = arg_str(F, "string", &args[1])?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::from).collect()
    };
    Ok(Value::Array(parts))
}

fn upper(args: FuncArgs) -> FnResult {
    Ok(Value::String(
        arg_str("upper", "string", &args[0])?.to_uppercase(),
    ))
}

fn lower(args: FuncArgs) -> FnResult {
    Ok(Value::String(
        arg_str("lower", "string", &args[0])?.to_lowercase(),
    ))
}

/// Go's `strings.Title` word-boundary rule.
fn is_title_separator(c: char) -> bool {
    if c.is_ascii() {
        !(c.is_ascii_alphanumeric() || c == '_')
    } else if c.is_alphanumeric() {
        false
    } else {
        c.is_whitespace()
    }
}

fn title(args: FuncArgs) -> FnResult {
    let s = arg_str("title", "string", &args[0])?;
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if is_title_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    Ok(Value::String(out))
}

fn replace(args: FuncArgs) -> FnResult {
    const F: &str = "replace";
    let s = arg_str(F, "string", &args[0])?;
    let search = arg_str(F, "substring", &args[1])?;
    let replacement = arg_str(F, "replacement", &args[2])?;
    if let Some(pattern) = search
        .strip_prefix('/')
        .and_then(|rest| rest.strip_suffix('/'))
    {
        let re = regex::Regex::new(pattern)
            .map_err(|e| format!("{F}: invalid regular expression {pattern:?}: {e}"))?;
        return Ok(Value::String(
            re.replace_all(&s, replacement.as_str()).into_owned(),
        ));
    }
    Ok(Value::String(s.replace(&search, &replacement)))
}

fn trimspace(args: FuncArgs) -> FnResult {
    Ok(Value::from(
        arg_str("trimspace", "string", &args[0])?.trim(),
    ))
}

fn trim(args: FuncArgs) -> FnResult {
    let s = arg_str("trim", "string", &args[0])?;
    let cutset = arg_str("trim", "cutset", &args[1])?;
    Ok(Value::from(s.trim_matches(|c| cutset.contains(c))))
}

fn trimprefix(args: FuncArgs) -> FnResult {
    let s = arg_str("trimprefix", "string", &args[0])?;
    let prefix = arg_str("trimprefix", "prefix", &args[1])?;
    Ok(Value::from(s.strip_prefix(prefix.as_str()).unwrap_or(&s)))
}

fn trimsuffix(args: FuncArgs) -> FnResult {
    let s = arg_str("trimsuffix", "string", &args[0])?;
    let suffix = arg_str("trimsuffix", "suffix", &args[1])?;
    Ok(Value::from(s.strip_suffix(suffix.as_str()).unwrap_or(&s)))
}

fn substr(args: FuncArgs) -> FnResult {
    const F: &str = "substr";
    let s = arg_str(F, "string", &args[0])?;
    let offset = arg_int(F, "offset", &args[1])?;
    let length = arg_int(F, "length", &args[2])?;
    let total = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
    let start = if offset < 0 {
        (offset + total).max(0)
    } else {
        offset
    };
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let chars = s.chars().skip(start);
    let out: String = match usize::try_from(length) {
        Ok(n) => chars.take(n).collect(),
        Err(_) => chars.collect(), // a negative length means "to the end"
    };
    Ok(Value::String(out))
}

fn startswith(args: FuncArgs) -> FnResult {
    let s = arg_str("startswith", "string", &args[0])?;
    let prefix = arg_str("startswith", "prefix", &args[1])?;
    Ok(Value::Bool(s.starts_with(&prefix)))
}

fn endswith(args: FuncArgs) -> FnResult {
    let s = arg_str("endswith", "string", &args[0])?;
    let suffix = arg_str("endswith", "suffix", &args[1])?;
    Ok(Value::Bool(s.ends_with(&suffix)))
}

// ---------------------------------------------------------------------------------------------
// Collection functions
// ---------------------------------------------------------------------------------------------

fn length(args: FuncArgs) -> FnResult {
    let len = match &args[0] {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        Value::Null => return Err("length: argument must not be null".to_owned()),
        other => {
            return Err(format!(
                "length: argument must be a string, a collection type, or a structural type, \
                 got {}",
                type_name(other)
            ));
        }
    };
    Ok(Value::from(len))
}

fn lookup(args: FuncArgs) -> FnResult {
    const F: &str = "lookup";
    if args.len() > 3 {
        return Err(format!(
            "{F}: expected 2 or 3 arguments, got {}",
            args.len()
        ));
    }
    let map = arg_map(F, "map", &args[0])?;
    let key = arg_str(F, "key", &args[1])?;
    match (map.get(&key), args.get(2)) {
        (Some(value), _) => Ok(value.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!(
            "{F}: failed to find key {key:?} in map and no default value was given"
        )),
    }
}

fn merge(args: FuncArgs) -> FnResult {
    let mut out = Map::new();
    for arg in args.iter().filter(|a| !a.is_null()) {
        for (k, v) in arg_map("merge", "each argument", arg)? {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

fn concat(args: FuncArgs) -> FnResult {
    let mut out = Vec::new();
    for arg in args.iter() {
        out.extend(arg_list("concat", "each argument", arg)?.iter().cloned());
    }
    Ok(Value::Array(out))
}

fn element(args: FuncArgs) -> FnResult {
    const F: &str = "element";
    let list = arg_list(F, "list", &args[0])?;
    let index = arg_int(F, "index", &args[1])?;
    if list.is_empty() {
        return Err(format!("{F}: list is empty"));
    }
    let index = usize::try_from(index)
        .map_err(|_| format!("{F}: index must not be negative, got {index}"))?;
    Ok(list[index % list.len()].clone())
}

fn contains(args: FuncArgs) -> FnResult {
    let list = arg_list("contains", "list", &args[0])?;
    Ok(Value::Bool(list.contains(&args[1])))
}

fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn keys(args: FuncArgs) -> FnResult {
    let map = arg_map("keys", "argument", &args[0])?;
    Ok(Value::Array(
        sorted_entries(map)
            .into_iter()
            .map(|(k, _)| Value::String(k.clone()))
            .collect(),
    ))
}

fn values(args: FuncArgs) -> FnResult {
    let map = arg_map("values", "argument", &args[0])?;
    Ok(Value::Array(
        sorted_entries(map)
            .into_iter()
            .map(|(_, v)| v.clone())
            .collect(),
    ))
}

fn dedupe(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn distinct(args: FuncArgs) -> FnResult {
    let list = arg_list("distinct", "list", &args[0])?;
    Ok(Value::Array(dedupe(list.clone())))
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) => flatten_into(inner, out),
            other => out.push(other.clone()),
        }
    }
}

fn flatten(args: FuncArgs) -> FnResult {
    let list = arg_list("flatten", "list", &args[0])?;
    let mut out = Vec::new();
    flatten_into(list, &mut out);
    Ok(Value::Array(out))
}

fn compact(args: FuncArgs) -> FnResult {
    const F: &str = "compact";
    let list = arg_list(F, "list", &args[0])?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        if item.is_null() {
            continue;
        }
        let s = arg_str(F, &format!("element {i}"), item)?;
        if !s.is_empty() {
            out.push(Value::String(s));
        }
    }
    Ok(Value::Array(out))
}

fn zipmap(args: FuncArgs) -> FnResult {
    const F: &str = "zipmap";
    let keys = arg_list(F, "keys", &args[0])?;
    let values = arg_list(F, "values", &args[1])?;
    if keys.len() != values.len() {
        return Err(format!(
            "{F}: number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        ));
    }
    let mut out = Map::new();
    for (i, (k, v)) in keys.iter().zip(values).enumerate() {
        out.insert(arg_str(F, &format!("key {i}"), k)?, v.clone());
    }
    Ok(Value::Object(out))
}

fn sort(args: FuncArgs) -> FnResult {
    const F: &str = "sort";
    let list = arg_list(F, "list", &args[0])?;
    let mut strings = list
        .iter()
        .enumerate()
        .map(|(i, item)| arg_str(F, &format!("list element {i}"), item))
        .collect::<Result<Vec<_>, _>>()?;
    strings.sort();
    Ok(Value::Array(
        strings.into_iter().map(Value::String).collect(),
    ))
}

fn reverse(args: FuncArgs) -> FnResult {
    let list = arg_list("reverse", "list", &args[0])?;
    Ok(Value::Array(list.iter().rev().cloned().collect()))
}

fn index(args: FuncArgs) -> FnResult {
    let list = arg_list("index", "list", &args[0])?;
    list.iter()
        .position(|item| *item == args[1])
        .map(Value::from)
        .ok_or_else(|| format!("index: item {} not found in list", json_string(&args[1])))
}

fn slice(args: FuncArgs) -> FnResult {
    const F: &str = "slice";
    let list = arg_list(F, "list", &args[0])?;
    let start = arg_int(F, "start index", &args[1])?;
    let end = arg_int(F, "end index", &args[2])?;
    let start = usize::try_from(start)
        .map_err(|_| format!("{F}: start index must not be negative, got {start}"))?;
    let end = usize::try_from(end)
        .map_err(|_| format!("{F}: end index must not be negative, got {end}"))?;
    if end > list.len() {
        return Err(format!(
            "{F}: end index {end} must not be greater than the length of the list ({})",
            list.len()
        ));
    }
    if start > end {
        return Err(format!(
            "{F}: start index {start} must not be greater than end index {end}"
        ));
    }
    Ok(Value::Array(list[start..end].to_vec()))
}

fn one(args: FuncArgs) -> FnResult {
    match arg_list("one", "list", &args[0])?.as_slice() {
        [] => Ok(Value::Null),
        [only] => Ok(only.clone()),
        items => Err(format!(
            "one: list must have either zero or one elements, got {}",
            items.len()
        )),
    }
}

fn coalesce(args: FuncArgs) -> FnResult {
    const F: &str = "coalesce";
    let unified = unify(F, &args)?;
    unified
        .into_iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .ok_or_else(|| format!("{F}: no non-null, non-empty-string arguments"))
}

fn range(args: FuncArgs) -> FnResult {
    const F: &str = "range";
    const MAX_LEN: usize = 1024;
    let (start, limit, step) = match args.as_slice() {
        [limit] => (0.0, arg_num(F, "limit", limit)?, None),
        [start, limit] => (
            arg_num(F, "start", start)?,
            arg_num(F, "limit", limit)?,
            None,
        ),
        [start, limit, step] => (
            arg_num(F, "start", start)?,
            arg_num(F, "limit", limit)?,
            Some(arg_num(F, "step", step)?),
        ),
        other => {
            return Err(format!(
                "{F}: expected 1 to 3 arguments (start, limit, step), got {}",
                other.len()
            ));
        }
    };
    let step = step.unwrap_or(if limit >= start { 1.0 } else { -1.0 });
    if step == 0.0 {
        return Err(format!("{F}: step must not be zero"));
    }
    let mut out = Vec::new();
    let mut current = start;
    while (step > 0.0 && current < limit) || (step < 0.0 && current > limit) {
        if out.len() == MAX_LEN {
            return Err(format!(
                "{F}: more than {MAX_LEN} values were generated; either decrease the difference \
                 between start and limit or use a smaller step"
            ));
        }
        out.push(num(F, current)?);
        #[allow(clippy::cast_precision_loss)]
        let steps = out.len() as f64;
        current = start + steps * step;
    }
    Ok(Value::Array(out))
}

// ---------------------------------------------------------------------------------------------
// Numeric functions
// ---------------------------------------------------------------------------------------------

fn fold_numbers(func: &str, args: &[Value], pick: fn(f64, f64) -> f64) -> FnResult {
    let mut acc: Option<f64> = None;
    for (i, arg) in args.iter().enumerate() {
        let n = arg_num(func, &format!("argument {}", i + 1), arg)?;
        acc = Some(acc.map_or(n, |a| pick(a, n)));
    }
    let acc = acc.ok_or_else(|| format!("{func}: must pass at least one number"))?;
    num(func, acc)
}

fn min(args: FuncArgs) -> FnResult {
    fold_numbers("min", &args, f64::min)
}

fn max(args: FuncArgs) -> FnResult {
    fold_numbers("max", &args, f64::max)
}

fn sum(args: FuncArgs) -> FnResult {
    const F: &str = "sum";
    let list = arg_list(F, "list", &args[0])?;
    if list.is_empty() {
        return Err(format!("{F}: cannot sum an empty list"));
    }
    let mut total = 0.0;
    for (i, item) in list.iter().enumerate() {
        total += arg_num(F, &format!("element {i}"), item)?;
    }
    num(F, total)
}

fn abs(args: FuncArgs) -> FnResult {
    num("abs", arg_num("abs", "num", &args[0])?.abs())
}

fn ceil(args: FuncArgs) -> FnResult {
    num("ceil", arg_num("ceil", "num", &args[0])?.ceil())
}

fn floor(args: FuncArgs) -> FnResult {
    num("floor", arg_num("floor", "num", &args[0])?.floor())
}

// ---------------------------------------------------------------------------------------------
// Type conversion functions
// ---------------------------------------------------------------------------------------------

/// Ordering used for Terraform sets of primitives: numbers numerically, strings
/// lexicographically, `false` before `true`. Other elements keep their relative order.
fn set_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or_default(),
                y.as_f64().unwrap_or_default(),
            );
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

fn toset(args: FuncArgs) -> FnResult {
    const F: &str = "toset";
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Array(items) => {
            let mut items = dedupe(unify(F, items)?);
            items.sort_by(set_order);
            Ok(Value::Array(items))
        }
        other => Err(format!("{F}: cannot convert {} to set", type_name(other))),
    }
}

fn tolist(args: FuncArgs) -> FnResult {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Array(items) => Ok(Value::Array(unify("tolist", items)?)),
        other => Err(format!(
            "tolist: cannot convert {} to list",
            type_name(other)
        )),
    }
}

fn tomap(args: FuncArgs) -> FnResult {
    const F: &str = "tomap";
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Object(map) => {
            let values: Vec<Value> = map.values().cloned().collect();
            let unified = unify(F, &values)?;
            Ok(Value::Object(map.keys().cloned().zip(unified).collect()))
        }
        other => Err(format!("{F}: cannot convert {} to map", type_name(other))),
    }
}

fn tostring(args: FuncArgs) -> FnResult {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Array(_) | Value::Object(_) => Err(format!(
            "tostring: cannot convert {} to string",
            type_name(&args[0])
        )),
        other => arg_str("tostring", "argument", other).map(Value::String),
    }
}

fn tonumber(args: FuncArgs) -> FnResult {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => match parse_number(s) {
            Some(f) => num("tonumber", f),
            None => Err(format!("tonumber: cannot convert {s:?} to number")),
        },
        other => Err(format!(
            "tonumber: cannot convert {} to number",
            type_name(other)
        )),
    }
}

fn tobool(args: FuncArgs) -> FnResult {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(format!("tobool: cannot convert {s:?} to bool")),
        other => Err(format!(
            "tobool: cannot convert {} to bool",
            type_name(other)
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding functions
// ---------------------------------------------------------------------------------------------

/// Converts to JSON with object keys sorted, as Terraform does.
fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Object(map) => serde_json::Value::Object(
            sorted_entries(map)
                .into_iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// Compact JSON text, escaping `<`, `>`, `&`, U+2028 and U+2029 like Terraform.
fn json_string(value: &Value) -> String {
    let text = to_json(value).to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

fn from_json(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::Array(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}

fn jsonencode(args: FuncArgs) -> FnResult {
    Ok(Value::String(json_string(&args[0])))
}

fn jsondecode(args: FuncArgs) -> FnResult {
    let text = arg_str("jsondecode", "string", &args[0])?;
    serde_json::from_str(&text)
        .map(from_json)
        .map_err(|e| format!("jsondecode: invalid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    /// Evaluates an HCL expression with all built-ins registered.
    fn eval(src: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        register(&mut ctx);
        let body = hcl::parse(&format!("x = {src}\n")).map_err(|e| format!("parse: {e}"))?;
        let attr = body.attributes().next().ok_or("no attribute")?;
        attr.expr().evaluate(&ctx).map_err(|e| e.to_string())
    }

    #[track_caller]
    fn ok(src: &str) -> Value {
        eval(src).unwrap_or_else(|e| panic!("`{src}` failed: {e}"))
    }

    /// Asserts that `src` evaluates to the value of the HCL literal `expected`.
    #[track_caller]
    fn check(src: &str, expected: &str) {
        assert_eq!(ok(src), ok(expected), "`{src}`");
    }

    #[track_caller]
    fn check_str(src: &str, expected: &str) {
        assert_eq!(ok(src), Value::from(expected), "`{src}`");
    }

    #[track_caller]
    fn check_err(src: &str, fragment: &str) {
        match eval(src) {
            Ok(v) => panic!("`{src}` should fail with {fragment:?}, got {v}"),
            Err(e) => assert!(e.contains(fragment), "`{src}`: {e:?} lacks {fragment:?}"),
        }
    }

    #[test]
    fn names_are_unique_and_all_registered() {
        let names = names();
        assert_eq!(names.len(), BUILTINS.len());
        let mut sorted = names.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate names");
        for name in names {
            let err = eval(&format!("{name}()")).err().unwrap_or_default();
            assert!(!err.contains("undefined function"), "{name}: {err}");
        }
        assert!(!names.contains(&"try") && !names.contains(&"can"));
        check_err("try(1)", "undefined function");
    }

    #[test]
    fn cidrhost_values() {
        check_str(r#"cidrhost("10.12.112.0/20", 268)"#, "10.12.113.12");
        check_str(r#"cidrhost("10.12.112.0/20", 16)"#, "10.12.112.16");
        check_str(r#"cidrhost("192.168.1.0/24", -5)"#, "192.168.1.251");
        check_str(r#"cidrhost("192.168.1.0/24", -1)"#, "192.168.1.255");
        check_str(r#"cidrhost("192.168.1.0/24", "7")"#, "192.168.1.7");
        check_str(r#"cidrhost("192.168.1.77/24", 2)"#, "192.168.1.2");
        check_str(r#"cidrhost("010.001.0.0/16", 1)"#, "10.1.0.1");
        check_str(
            r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
            "fd00:fd12:3456:7890::22",
        );
        check_str(r#""${cidrhost("10.0.0.0/24", 5)}""#, "10.0.0.5");
    }

    #[test]
    fn cidrhost_errors() {
        check_err(
            r#"cidrhost("10.0.0/16", 1)"#,
            r#"cidrhost: prefix "10.0.0/16" is not a valid CIDR"#,
        );
        check_err(
            r#"cidrhost("192.168.1.0/24", 256)"#,
            "cidrhost: prefix of 24 does not accommodate a host numbered 256",
        );
        check_err(r#"cidrhost("192.168.1.0/24", -257)"#, "host numbered -257");
        check_err(
            r#"cidrhost("192.168.1.0/24", 1.5)"#,
            "hostnum must be a whole number",
        );
        check_err(
            r#"cidrhost("192.168.1.0/24", "x")"#,
            "hostnum must be a number",
        );
        check_err(r#"cidrhost(null, 1)"#, "prefix must not be null");
        check_err(
            r#"cidrhost("10.0.0.0/8")"#,
            "expected 2 positional arguments",
        );
    }

    #[test]
    fn cidrsubnet_values() {
        check_str(r#"cidrsubnet("10.1.2.0/24", 4, 15)"#, "10.1.2.240/28");
        check_str(r#"cidrsubnet("172.16.0.0/12", 4, 2)"#, "172.18.0.0/16");
        check_str(r#"cidrsubnet("10.0.0.0/8", "8", "1")"#, "10.1.0.0/16");
        check_str(r#"cidrsubnet("10.1.2.3/24", 0, 0)"#, "10.1.2.0/24");
        check_str(
            r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
            "fd00:fd12:3456:7800:a200::/72",
        );
    }

    #[test]
    fn cidrsubnet_errors() {
        check_err(
            r#"cidrsubnet("10.1.2.0/24", 4, 16)"#,
            "prefix extension of 4 does not accommodate a subnet numbered 16",
        );
        check_err(r#"cidrsubnet("10.1.2.0/24", 4, -1)"#, "subnet numbered -1");
        check_err(
            r#"cidrsubnet("10.1.2.0/24", 9, 0)"#,
            "insufficient address space to extend prefix of 24 by 9",
        );
        check_err(r#"cidrsubnet("::/0", 33, 0)"#, "more than 32 bits");
        check_err(
            r#"cidrsubnet("10.1.2.0/24", -1, 0)"#,
            "must not be negative",
        );
        check_err(
            r#"cidrsubnet("nope", 1, 0)"#,
            r#"prefix "nope" is not a valid CIDR"#,
        );
    }

    #[test]
    fn cidrsubnets_values() {
        check(
            r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
            r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#,
        );
        check(
            r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#,
            r#"["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]"#,
        );
        check(
            r#"cidrsubnets("0.0.0.0/0", 1, 1)"#,
            r#"["0.0.0.0/1", "128.0.0.0/1"]"#,
        );
        check(r#"cidrsubnets("::/0", 1, 1)"#, r#"["::/1", "8000::/1"]"#);
        check(r#"cidrsubnets("10.0.0.0/8")"#, "[]");
    }

    #[test]
    fn cidrsubnets_errors() {
        check_err(
            r#"cidrsubnets("10.0.0.0/24", 1, 1, 1)"#,
            "not enough remaining address space for a subnet with a prefix of 25 bits after \
             10.0.0.128/25",
        );
        check_err(
            r#"cidrsubnets("::/0", 1, 1, 1)"#,
            "not enough remaining address space",
        );
        check_err(r#"cidrsubnets("10.0.0.0/24", 2, 0)"#, "at least one bit");
        check_err(
            r#"cidrsubnets("10.0.0.0/30", 4)"#,
            "insufficient address space",
        );
        check_err(r#"cidrsubnets("10.0.0.0/33", 1)"#, "is not a valid CIDR");
    }

    #[test]
    fn cidrnetmask_values_and_errors() {
        check_str(r#"cidrnetmask("172.16.0.0/12")"#, "255.240.0.0");
        check_str(r#"cidrnetmask("10.0.0.1/32")"#, "255.255.255.255");
        check_str(r#"cidrnetmask("0.0.0.0/0")"#, "0.0.0.0");
        check_err(
            r#"cidrnetmask("fd00::/8")"#,
            "IPv6 addresses cannot have a netmask",
        );
        check_err(r#"cidrnetmask("banana")"#, "is not a valid CIDR");
    }

    #[test]
    fn format_strings_and_values() {
        check_str(r#"format("Hello, %s!", "Ander")"#, "Hello, Ander!");
        check_str(r#"format("There are %d lights", 4)"#, "There are 4 lights");
        check_str(r#"format("%d", "10")"#, "10");
        check_str(r#"format("%d", 10.0)"#, "10");
        check_str(r#"format("%s", 10)"#, "10");
        check_str(r#"format("%s and %s", true, 2.5)"#, "true and 2.5");
        check_str(r#"format("%v %v %v", "a", 1.5, true)"#, "a 1.5 true");
        check_str(r#"format("%v", null)"#, "null");
        check_str(r#"format("%v", ["a", 1])"#, r#"["a",1]"#);
        check_str(r#"format("%#v", "a")"#, r#""a""#);
        check_str(r#"format("%q", "a\"b")"#, r#""a\"b""#);
        check_str(r#"format("%t", true)"#, "true");
        check_str(r#"format("100%%")"#, "100%");
        check_str(r#"format("%[2]s %[1]s", "a", "b")"#, "b a");
        check_str(
            r#"format("%.3s|%5s|%-5s|", "abcdef", "ab", "cd")"#,
            "abc|   ab|cd   |",
        );
        check_str(r#"format("no verbs")"#, "no verbs");
    }

    #[test]
    fn format_numbers() {
        check_str(r#"format("%5.2f", 3.14159)"#, " 3.14");
        check_str(r#"format("%.2f", "3.14159")"#, "3.14");
        check_str(r#"format("%f", 1)"#, "1.000000");
        check_str(r#"format("%-8.1f|", -2.25)"#, "-2.2    |");
        check_str(r#"format("%08.3f", -3.14159)"#, "-003.142");
        check_str(r#"format("%05d", -42)"#, "-0042");
        check_str(r#"format("%+d % d", 5, 5)"#, "+5  5");
        check_str(r#"format("%.3d", 7)"#, "007");
        check_str(
            r#"format("%x %X %#x %o %b", 255, 255, 255, 8, 5)"#,
            "ff FF 0xff 10 101",
        );
        check_str(r#"format("%e", 1234.5678)"#, "1.234568e+03");
        check_str(r#"format("%.2E", 0.000123)"#, "1.23E-04");
        check_str(r#"format("%g", 1234567)"#, "1.234567e+06");
        check_str(r#"format("%g %g %g", 0.5, 100000, 0)"#, "0.5 100000 0");
        check_str(r#"format("%g", 0.00001)"#, "1e-05");
        check_str(r#"format("%.3g", 3.14159)"#, "3.14");
        check_str(r#"format("%.3g", 1234.5)"#, "1.23e+03");
    }

    #[test]
    fn format_errors() {
        check_err(r#"format("%d", 1.5)"#, "an integer is required");
        check_err(r#"format("%s", null)"#, "null value cannot be formatted");
        check_err(r#"format("%s", ["a"])"#, "string required");
        check_err(r#"format("%d", "abc")"#, "number required");
        check_err(r#"format("%t", 1)"#, "bool required");
        check_err(r#"format("%s %s", "a")"#, "not enough arguments");
        check_err(
            r#"format("%s", "a", "b")"#,
            "too many arguments; only 1 used",
        );
        check_err(r#"format("%y", 1)"#, "unrecognized format verb 'y'");
        check_err(r#"format("abc %")"#, "unterminated format verb");
        check_err(r#"format("%[0]s", "a")"#, "invalid argument index");
        check_err(r#"format()"#, "expected 1 positional arguments, got 0");
    }

    #[test]
    fn formatlist_values_and_errors() {
        check(
            r#"formatlist("Hello, %s!", ["Valentina", "Ander"])"#,
            r#"["Hello, Valentina!", "Hello, Ander!"]"#,
        );
        check(
            r#"formatlist("%s, %s!", "Salutations", ["Valentina", "Ander"])"#,
            r#"["Salutations, Valentina!", "Salutations, Ander!"]"#,
        );
        check(
            r#"formatlist("%s-%d", ["a", "b"], [1, 2])"#,
            r#"["a-1", "b-2"]"#,
        );
        check(r#"formatlist("%s", "x")"#, r#"["x"]"#);
        check(r#"formatlist("%s", [])"#, "[]");
        check_err(r#"formatlist("%s%s", ["a"], ["b", "c"])"#, "inconsistent");
        check_err(r#"formatlist("%s", null)"#, "argument 1 is null");
    }

    #[test]
    fn join_and_split() {
        check_str(r#"join(", ", ["foo", "bar", "baz"])"#, "foo, bar, baz");
        check_str(r#"join("-", ["a"], ["b", "c"])"#, "a-b-c");
        check_str(r#"join(",", [1, true])"#, "1,true");
        check_str(r#"join(",", [])"#, "");
        check_err(r#"join(",")"#, "join: at least one list is required");
        check_err(
            r#"join(",", ["a", null])"#,
            "join: element 1 must not be null",
        );
        check_err(r#"join(",", "a")"#, "must be a list, got string");
        check(r#"split(",", "foo,bar,baz")"#, r#"["foo", "bar", "baz"]"#);
        check(r#"split(",", "foo")"#, r#"["foo"]"#);
        check(r#"split(",", "")"#, r#"[""]"#);
        check(r#"split("", "abc")"#, r#"["a", "b", "c"]"#);
    }

    #[test]
    fn length_values_and_errors() {
        check("length([])", "0");
        check(r#"length(["a", "b"])"#, "2");
        check(r#"length({a = "b"})"#, "1");
        check(r#"length("hello")"#, "5");
        check(r#"length("héllo")"#, "5");
        check_err(
            "length(5)",
            "must be a string, a collection type, or a structural type",
        );
        check_err("length(null)", "length: argument must not be null");
    }

    #[test]
    fn lookup_values_and_errors() {
        check_str(r#"lookup({a = "ay", b = "bee"}, "a", "what?")"#, "ay");
        check_str(r#"lookup({a = "ay", b = "bee"}, "c", "what?")"#, "what?");
        check_str(r#"lookup({a = "ay"}, "a")"#, "ay");
        check_str(r#"lookup({"1" = "one"}, 1)"#, "one");
        check_err(
            r#"lookup({a = "ay"}, "c")"#,
            r#"lookup: failed to find key "c""#,
        );
        check_err(
            r#"lookup({}, "a", 1, 2)"#,
            "lookup: expected 2 or 3 arguments, got 4",
        );
        check_err(
            r#"lookup(["a"], "a")"#,
            "map must be a map or object, got list",
        );
    }

    #[test]
    fn merge_and_concat() {
        check(
            r#"merge({a = "b", c = "d"}, {e = "f", c = "z"})"#,
            r#"{a = "b", c = "z", e = "f"}"#,
        );
        check("merge()", "{}");
        check("merge({a = 1}, null)", "{a = 1}");
        check_err(
            r#"merge({a = 1}, "x")"#,
            "merge: each argument must be a map or object",
        );
        check(r#"concat(["a", ""], ["b", "c"])"#, r#"["a", "", "b", "c"]"#);
        check("concat()", "[]");
        check_err(
            "concat([1], 2)",
            "concat: each argument must be a list, got number",
        );
    }

    #[test]
    fn element_values_and_errors() {
        check_str(r#"element(["a", "b", "c"], 1)"#, "b");
        check_str(r#"element(["a", "b", "c"], 3)"#, "a");
        check_str(r#"element(["a", "b", "c"], "4")"#, "b");
        check_err("element([], 0)", "element: list is empty");
        check_err(
            r#"element(["a"], -1)"#,
            "element: index must not be negative",
        );
    }

    #[test]
    fn contains_index_and_one() {
        check(r#"contains(["a", "b", "c"], "a")"#, "true");
        check(r#"contains(["a", "b", "c"], "d")"#, "false");
        check("contains([1, 2], 2)", "true");
        check(r#"contains(["1"], 1)"#, "false");
        check_err(r#"contains("abc", "a")"#, "contains: list must be a list");
        check(r#"index(["a", "b", "c"], "b")"#, "1");
        check_err(
            r#"index(["a"], "z")"#,
            r#"index: item "z" not found in list"#,
        );
        check("one([])", "null");
        check(r#"one(["hello"])"#, r#""hello""#);
        check_err("one([1, 2])", "either zero or one elements, got 2");
    }

    #[test]
    fn keys_and_values() {
        check("keys({b = 1, a = 2, c = 3})", r#"["a", "b", "c"]"#);
        check("values({b = 1, a = 2, c = 3})", "[2, 1, 3]");
        check("keys({})", "[]");
        check_err(
            "keys([1])",
            "keys: argument must be a map or object, got list",
        );
        check_err("values(null)", "values: argument must not be null");
    }

    #[test]
    fn type_conversions() {
        check(r#"toset(["c", "b", "b", "a"])"#, r#"["a", "b", "c"]"#);
        check("toset([3, 1, 2, 1])", "[1, 2, 3]");
        check(r#"toset(["a", 1, "1"])"#, r#"["1", "a"]"#);
        check("toset(null)", "null");
        check_err(
            "toset([1, true])",
            "toset: all elements must have the same type",
        );
        check_err("toset({})", "toset: cannot convert object to set");
        check(r#"tolist(["a", 1, true])"#, r#"["a", "1", "true"]"#);
        check("tolist([1, 2])", "[1, 2]");
        check_err("tolist({a = 1})", "tolist: cannot convert object to list");
        check(r#"tomap({a = 1, b = "x"})"#, r#"{a = "1", b = "x"}"#);
        check_err("tomap([1])", "tomap: cannot convert list to map");
        check_str("tostring(10)", "10");
        check_str("tostring(10.0)", "10");
        check_str("tostring(1.5)", "1.5");
        check_str("tostring(1e21)", "1000000000000000000000");
        check_str("tostring(true)", "true");
        check_str(r#"tostring("a")"#, "a");
        check("tostring(null)", "null");
        check_err("tostring([])", "tostring: cannot convert list to string");
        check(r#"tonumber("10")"#, "10");
        check(r#"tonumber("1.5")"#, "1.5");
        check("tonumber(5)", "5");
        check("tonumber(null)", "null");
        check_err(
            r#"tonumber("abc")"#,
            r#"tonumber: cannot convert "abc" to number"#,
        );
        check_err("tonumber(true)", "tonumber: cannot convert bool to number");
        check(r#"tobool("true")"#, "true");
        check("tobool(false)", "false");
        check("tobool(null)", "null");
        check_err(
            r#"tobool("yes")"#,
            r#"tobool: cannot convert "yes" to bool"#,
        );
        check_err("tobool(1)", "tobool: cannot convert number to bool");
    }

    #[test]
    fn numeric_functions() {
        check("min(12, 54, 3)", "3");
        check("max(12, 54, 3)", "54");
        check("max([12, 54, 3]...)", "54");
        check(r#"min("5", 2)"#, "2");
        check("max(1.5, 1)", "1.5");
        check_err("min()", "min: must pass at least one number");
        check_err(
            r#"max("x")"#,
            r#"max: argument 1 must be a number, got "x""#,
        );
        check("sum([10, 13, 6, 4.5])", "33.5");
        check(r#"sum(["1", 2])"#, "3");
        check_err("sum([])", "sum: cannot sum an empty list");
        check("abs(23)", "23");
        check("abs(-12.4)", "12.4");
        check("abs(0)", "0");
        check("ceil(5.1)", "6");
        check("ceil(5)", "5");
        check("floor(4.9)", "4");
        check("floor(-1.5)", "-2");
        check_err(r#"abs("x")"#, "abs: num must be a number");
    }

    #[test]
    fn range_values_and_errors() {
        check("range(3)", "[0, 1, 2]");
        check("range(0)", "[]");
        check("range(1, 4)", "[1, 2, 3]");
        check("range(1, 8, 2)", "[1, 3, 5, 7]");
        check("range(1, 3, 0.5)", "[1, 1.5, 2, 2.5]");
        check("range(4, 1)", "[4, 3, 2]");
        check("range(10, 5, -2)", "[10, 8, 6]");
        check("range(1, 4, -1)", "[]");
        check(r#"range("3")"#, "[0, 1, 2]");
        assert_eq!(ok("range(1024)").as_array().map(Vec::len), Some(1024));
        check_err("range()", "range: expected 1 to 3 arguments");
        check_err("range(1, 2, 3, 4)", "got 4");
        check_err("range(1, 5, 0)", "range: step must not be zero");
        check_err("range(2000)", "more than 1024 values were generated");
    }

    #[test]
    fn case_and_trim_functions() {
        check_str(r#"upper("hello")"#, "HELLO");
        check_str(r#"upper("алло!")"#, "АЛЛО!");
        check_str(r#"lower("HELLO")"#, "hello");
        check_str(r#"title("hello world")"#, "Hello World");
        check_str(r#"title("hello-world_foo bar")"#, "Hello-World_foo Bar");
        check_str(r#"trimspace("  hello\n")"#, "hello");
        check_str(r#"trim("?!hello?!", "!?")"#, "hello");
        check_str(r#"trimprefix("helloworld", "hello")"#, "world");
        check_str(r#"trimprefix("helloworld", "cat")"#, "helloworld");
        check_str(r#"trimsuffix("helloworld", "world")"#, "hello");
        check_err("upper([])", "upper: string must be a string, got list");
    }

    #[test]
    fn replace_plain_and_regex() {
        check_str(r#"replace("1 + 2 + 3", "+", "-")"#, "1 - 2 - 3");
        check_str(
            r#"replace("hello world", "/w.*d/", "everybody")"#,
            "hello everybody",
        );
        check_str(r#"replace("a-b", "/(\\w)-(\\w)/", "$2-$1")"#, "b-a");
        check_str(r#"replace("abc", "/", "x")"#, "abc");
        check_err(
            r#"replace("abc", "/(/", "x")"#,
            "replace: invalid regular expression",
        );
    }

    #[test]
    fn substr_startswith_endswith() {
        check_str(r#"substr("hello world", 1, 4)"#, "ello");
        check_str(r#"substr("🤔🤷", 0, 1)"#, "🤔");
        check_str(r#"substr("hello world", -5, -1)"#, "world");
        check_str(r#"substr("hello", 10, 2)"#, "");
        check_str(r#"substr("hello", -10, 2)"#, "he");
        check(r#"startswith("hello world", "hello")"#, "true");
        check(r#"endswith("hello world", "world")"#, "true");
        check(r#"endswith("hello", "x")"#, "false");
    }

    #[test]
    fn list_helpers() {
        check(
            r#"distinct(["a", "b", "a", "c", "d", "b"])"#,
            r#"["a", "b", "c", "d"]"#,
        );
        check(r#"flatten([["a", "b"], [], ["c"]])"#, r#"["a", "b", "c"]"#);
        check(
            r#"flatten([[["a", "b"], []], ["c"]])"#,
            r#"["a", "b", "c"]"#,
        );
        check(r#"compact(["a", "", null, "b"])"#, r#"["a", "b"]"#);
        check(r#"compact([1, ""])"#, r#"["1"]"#);
        check(r#"zipmap(["a", "b"], [1, 2])"#, "{a = 1, b = 2}");
        check_err(
            r#"zipmap(["a"], [1, 2])"#,
            "number of keys (1) does not match number of values (2)",
        );
        check(r#"sort(["e", "d", "a", "x"])"#, r#"["a", "d", "e", "x"]"#);
        check("sort([10, 9])", r#"["10", "9"]"#);
        check_err(
            r#"sort(["a", null])"#,
            "sort: list element 1 must not be null",
        );
        check("reverse([1, 2, 3])", "[3, 2, 1]");
        check(r#"slice(["a", "b", "c", "d"], 1, 3)"#, r#"["b", "c"]"#);
        check(r#"slice(["a"], 1, 1)"#, "[]");
        check_err(
            r#"slice(["a", "b"], 2, 1)"#,
            "start index 2 must not be greater than end index 1",
        );
        check_err(
            r#"slice(["a", "b"], 0, 5)"#,
            "must not be greater than the length",
        );
    }

    #[test]
    fn coalesce_values_and_errors() {
        check_str(r#"coalesce("a", "b")"#, "a");
        check_str(r#"coalesce("", "b")"#, "b");
        check("coalesce(1, 2)", "1");
        check_str(r#"coalesce(null, 1, "hello")"#, "1");
        check_err(
            r#"coalesce(null, "")"#,
            "no non-null, non-empty-string arguments",
        );
        check_err("coalesce()", "no non-null");
    }

    #[test]
    fn json_functions() {
        check_str(r#"jsonencode({hello = "world"})"#, r#"{"hello":"world"}"#);
        check_str(
            r#"jsonencode({b = 1, a = [true, null, 1.5]})"#,
            r#"{"a":[true,null,1.5],"b":1}"#,
        );
        check_str(r#"jsonencode("<&>")"#, r#""\u003c\u0026\u003e""#);
        check(
            r#"jsondecode("{\"hello\": \"world\"}")"#,
            r#"{hello = "world"}"#,
        );
        check(r#"jsondecode("true")"#, "true");
        check(
            r#"jsondecode("[1, 2.5, \"x\", null]")"#,
            r#"[1, 2.5, "x", null]"#,
        );
        check(
            r#"jsondecode(jsonencode({a = [1, "b"], c = {d = false}}))"#,
            r#"{a = [1, "b"], c = {d = false}}"#,
        );
        check_err(r#"jsondecode("{")"#, "jsondecode: invalid JSON");
    }
}
