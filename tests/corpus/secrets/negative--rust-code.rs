static TOKEN: LazyLock<Regex> = LazyLock::new(|| todo!());
pub static ALL: &[&Rule] = &[
    &secrets::aws_access_key::RULE,
    &secrets::generic_assignment::RULE,
];
let token_kind: TokenKind = TokenKind::Identifier;
