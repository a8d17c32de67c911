//! Configuration files that only policies read (TOML, INI, HCL2, dotenv, XML, Java
//! properties), one kind per [`Format`], matched by name as conftest picks its parser.
//!
//! Reading is deferred: [`Parsed::Config`] carries nothing, and the policy evaluation
//! parses the text with the format's reader. A repository with thousands of XML files and
//! no policy pays nothing for them; a file that does not parse is an input error only when
//! some policy would have judged it.

use super::{FileKind, Kind, Name, ParseFailure, Parsed, ReadCtx};
use crate::formats::Format;

macro_rules! kind {
    ($name:ident, $format:expr, $matches:ident) => {
        /// The kind of this format's files.
        pub static $name: Kind = Kind {
            kind: FileKind::Config($format),
            matches: $matches,
            read,
            policy_input: true,
        };
        fn $matches(name: &Name) -> bool {
            Format::of_name(name.lower) == Some($format)
        }
    };
}

kind!(TOML, Format::Toml, is_toml);
kind!(INI, Format::Ini, is_ini);
kind!(HCL2, Format::Hcl2, is_hcl2);
kind!(DOTENV, Format::Dotenv, is_dotenv);
kind!(XML, Format::Xml, is_xml);
kind!(PROPERTIES, Format::Properties, is_properties);

fn read(_: &str, _: &ReadCtx) -> Result<Parsed, ParseFailure> {
    Ok(Parsed::Config)
}
