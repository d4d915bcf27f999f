//! The SR content tree as plain Rust values ([`Item`]), and its conversion to and from the
//! DICOM content items of PS3.3 C.17.3 (Content Sequence, Value Type, Concept Name Code
//! Sequence and the value attributes of each value type). The writer builds a tree and
//! converts it once; the reader converts the file's tree once and then walks plain values.

use dicom::core::value::{C, DataSetSequence, PrimitiveValue};
use dicom::core::{DataElement, Tag, VR};
use dicom::dictionary_std::tags;
use dicom::object::InMemDicomObject;

use super::codes::{Code, CodedConcept, NumConcept};
use super::error::{SrError, tag_name};
use crate::dicom::write::format_ds;

/// Relationship Type (0040,A010) of a content item to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    /// CONTAINS.
    Contains,
    /// HAS OBS CONTEXT.
    HasObsContext,
    /// HAS CONCEPT MOD.
    HasConceptMod,
    /// HAS ACQ CONTEXT.
    HasAcqContext,
    /// INFERRED FROM.
    InferredFrom,
    /// SELECTED FROM.
    SelectedFrom,
}

impl Relationship {
    const ALL: [Relationship; 6] = [
        Relationship::Contains,
        Relationship::HasObsContext,
        Relationship::HasConceptMod,
        Relationship::HasAcqContext,
        Relationship::InferredFrom,
        Relationship::SelectedFrom,
    ];

    /// The defined term.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Contains => "CONTAINS",
            Relationship::HasObsContext => "HAS OBS CONTEXT",
            Relationship::HasConceptMod => "HAS CONCEPT MOD",
            Relationship::HasAcqContext => "HAS ACQ CONTEXT",
            Relationship::InferredFrom => "INFERRED FROM",
            Relationship::SelectedFrom => "SELECTED FROM",
        }
    }
}

/// Graphic Type (0070,0023) of a SCOORD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphicType {
    /// Four points: the major axis' ends, then the minor axis' ends.
    Ellipse,
    /// Connected points; closed when the first and last are equal.
    Polyline,
}

/// A referenced image: SOP class, SOP instance and, for a multi-frame image, the frame
/// (1-based, as DICOM counts).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRef {
    /// Referenced SOP Class UID.
    pub sop_class_uid: String,
    /// Referenced SOP Instance UID.
    pub sop_instance_uid: String,
    /// Referenced Frame Number (1-based); `None` for a single-frame image.
    pub frame_number: Option<u32>,
}

/// The value of a content item, by Value Type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// CONTAINER, with its template (TID) when it has one.
    Container {
        /// Template Identifier, e.g. `1500`.
        template: Option<&'static str>,
    },
    /// CODE.
    Code(Code),
    /// NUM: the value (written as DS and, exactly, as FD) and its unit.
    Num {
        /// The value.
        value: f64,
        /// Its UCUM unit.
        unit: Code,
    },
    /// TEXT.
    Text(String),
    /// PNAME.
    PName(String),
    /// UIDREF.
    UidRef(String),
    /// IMAGE.
    Image(ImageRef),
    /// SCOORD: pixel coordinates (column, row), top left corner of the image at 0,0.
    Scoord {
        /// The graphic type.
        graphic_type: GraphicType,
        /// Column, row pairs.
        points: Vec<[f32; 2]>,
    },
}

/// One content item with its children (Content Sequence).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Relationship to the parent (`None` only for the root).
    pub relationship: Option<Relationship>,
    /// Concept name (`None` only for an unnamed item such as a SCOORD's IMAGE).
    pub name: Option<Code>,
    /// The value.
    pub value: Value,
    /// The children.
    pub children: Vec<Item>,
}

impl Item {
    /// A named item.
    pub fn new(rel: Relationship, name: CodedConcept, value: Value) -> Item {
        Item {
            relationship: Some(rel),
            name: Some(name.code()),
            value,
            children: Vec::new(),
        }
    }

    /// A CONTAINER.
    pub fn container(
        rel: Relationship,
        name: CodedConcept,
        template: Option<&'static str>,
    ) -> Item {
        Item::new(rel, name, Value::Container { template })
    }

    /// A CODE item.
    pub fn code(rel: Relationship, name: CodedConcept, value: CodedConcept) -> Item {
        Item::new(rel, name, Value::Code(value.code()))
    }

    /// A TEXT item.
    pub fn text(rel: Relationship, name: CodedConcept, value: impl Into<String>) -> Item {
        Item::new(rel, name, Value::Text(value.into()))
    }

    /// A NUM item (CONTAINS).
    pub fn num(name: CodedConcept, value: f64, unit: CodedConcept) -> Item {
        Item::new(
            Relationship::Contains,
            name,
            Value::Num {
                value,
                unit: unit.code(),
            },
        )
    }

    /// A NUM item of a private numeric concept (CONTAINS).
    pub fn private_num(c: NumConcept, value: f64) -> Item {
        Item::num(c.name, value, c.unit)
    }

    /// Adds a child (builder style).
    pub fn with(mut self, child: Item) -> Item {
        self.children.push(child);
        self
    }

    /// Whether the concept name is `c`.
    pub fn named(&self, c: &CodedConcept) -> bool {
        self.name.as_ref().is_some_and(|n| n.is(c))
    }

    /// The first child named `c`.
    pub fn child(&self, c: &CodedConcept) -> Option<&Item> {
        self.children.iter().find(|i| i.named(c))
    }

    /// The code value of the first CODE child named `c`.
    pub fn child_code(&self, c: &CodedConcept) -> Option<&Code> {
        self.children.iter().find_map(|i| match &i.value {
            Value::Code(code) if i.named(c) => Some(code),
            _ => None,
        })
    }

    /// The text of the first TEXT child named `c`.
    pub fn child_text(&self, c: &CodedConcept) -> Option<&str> {
        self.children.iter().find_map(|i| match &i.value {
            Value::Text(t) if i.named(c) => Some(t.as_str()),
            _ => None,
        })
    }

    /// The value of the first NUM child named `c`.
    pub fn child_num(&self, c: &CodedConcept) -> Option<f64> {
        self.children.iter().find_map(|i| match &i.value {
            Value::Num { value, .. } if i.named(c) => Some(*value),
            _ => None,
        })
    }

    /// The DICOM content item (recursively).
    pub fn to_dicom(&self) -> InMemDicomObject {
        let mut obj = InMemDicomObject::new_empty();
        if let Some(rel) = self.relationship {
            put_str(&mut obj, tags::RELATIONSHIP_TYPE, VR::CS, rel.as_str());
        }
        if let Some(name) = &self.name {
            put_seq(
                &mut obj,
                tags::CONCEPT_NAME_CODE_SEQUENCE,
                vec![code_item(name)],
            );
        }
        let value_type = match &self.value {
            Value::Container { template } => {
                put_str(&mut obj, tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE");
                if let Some(t) = template {
                    let mut tpl = InMemDicomObject::new_empty();
                    put_str(&mut tpl, tags::MAPPING_RESOURCE, VR::CS, "DCMR");
                    put_str(&mut tpl, tags::TEMPLATE_IDENTIFIER, VR::CS, t);
                    put_seq(&mut obj, tags::CONTENT_TEMPLATE_SEQUENCE, vec![tpl]);
                }
                "CONTAINER"
            }
            Value::Code(c) => {
                put_seq(&mut obj, tags::CONCEPT_CODE_SEQUENCE, vec![code_item(c)]);
                "CODE"
            }
            Value::Num { value, unit } => {
                let mut mv = InMemDicomObject::new_empty();
                put_seq(
                    &mut mv,
                    tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
                    vec![code_item(unit)],
                );
                // DS holds at most 16 characters; the FD beside it is the exact value.
                let ds = format_ds(*value).unwrap_or_else(|| "0".into());
                put_str(&mut mv, tags::NUMERIC_VALUE, VR::DS, &ds);
                mv.put(DataElement::new(
                    tags::FLOATING_POINT_VALUE,
                    VR::FD,
                    PrimitiveValue::F64(C::from_elem(*value, 1)),
                ));
                put_seq(&mut obj, tags::MEASURED_VALUE_SEQUENCE, vec![mv]);
                "NUM"
            }
            Value::Text(t) => {
                put_str(&mut obj, tags::TEXT_VALUE, VR::UT, t);
                "TEXT"
            }
            Value::PName(p) => {
                put_str(&mut obj, tags::PERSON_NAME, VR::PN, p);
                "PNAME"
            }
            Value::UidRef(u) => {
                put_str(&mut obj, tags::UID, VR::UI, u);
                "UIDREF"
            }
            Value::Image(r) => {
                put_seq(&mut obj, tags::REFERENCED_SOP_SEQUENCE, vec![image_item(r)]);
                "IMAGE"
            }
            Value::Scoord {
                graphic_type,
                points,
            } => {
                let kind = match graphic_type {
                    GraphicType::Ellipse => "ELLIPSE",
                    GraphicType::Polyline => "POLYLINE",
                };
                let data: C<f32> = points.iter().flat_map(|p| [p[0], p[1]]).collect();
                obj.put(DataElement::new(
                    tags::GRAPHIC_DATA,
                    VR::FL,
                    PrimitiveValue::F32(data),
                ));
                put_str(&mut obj, tags::GRAPHIC_TYPE, VR::CS, kind);
                "SCOORD"
            }
        };
        put_str(&mut obj, tags::VALUE_TYPE, VR::CS, value_type);
        if !self.children.is_empty() {
            let children = self.children.iter().map(Item::to_dicom).collect();
            put_seq(&mut obj, tags::CONTENT_SEQUENCE, children);
        }
        obj
    }

    /// Reads a content item (recursively) from the DICOM item `obj`; `at` says where it
    /// is in the tree, for messages.
    pub fn from_dicom(obj: &InMemDicomObject, at: &str) -> Result<Item, SrError> {
        let value_type = req_str(obj, tags::VALUE_TYPE, at)?;
        let relationship = match opt_str(obj, tags::RELATIONSHIP_TYPE) {
            None => None,
            Some(r) => Some(
                Relationship::ALL
                    .into_iter()
                    .find(|x| x.as_str() == r)
                    .ok_or_else(|| {
                        content_err(
                            at,
                            tags::RELATIONSHIP_TYPE,
                            format!("unknown relationship {r:?}"),
                        )
                    })?,
            ),
        };
        let name = match first_item(obj, tags::CONCEPT_NAME_CODE_SEQUENCE) {
            Some(item) => Some(read_code(item, at, tags::CONCEPT_NAME_CODE_SEQUENCE)?),
            None => None,
        };
        let value = match value_type.as_str() {
            "CONTAINER" => Value::Container { template: None },
            "CODE" => {
                let item = first_item(obj, tags::CONCEPT_CODE_SEQUENCE).ok_or_else(|| {
                    content_err(
                        at,
                        tags::CONCEPT_CODE_SEQUENCE,
                        "a CODE item without its code",
                    )
                })?;
                Value::Code(read_code(item, at, tags::CONCEPT_CODE_SEQUENCE)?)
            }
            "NUM" => read_num(obj, at)?,
            "TEXT" => Value::Text(req_str(obj, tags::TEXT_VALUE, at)?),
            "PNAME" => Value::PName(opt_str(obj, tags::PERSON_NAME).unwrap_or_default()),
            "UIDREF" => Value::UidRef(req_str(obj, tags::UID, at)?),
            "IMAGE" => Value::Image(read_image(obj, at)?),
            "SCOORD" => read_scoord(obj, at)?,
            other => {
                return Err(content_err(
                    at,
                    tags::VALUE_TYPE,
                    format!("value type {other:?} is not one Anchorage writes"),
                ));
            }
        };
        let mut children = Vec::new();
        if let Some(items) = obj.get(tags::CONTENT_SEQUENCE).and_then(|e| e.items()) {
            for (k, child) in items.iter().enumerate() {
                children.push(Item::from_dicom(child, &format!("{at}.{}", k + 1))?);
            }
        }
        Ok(Item {
            relationship,
            name,
            value,
            children,
        })
    }
}

fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

/// Puts a sequence of items.
pub(crate) fn put_seq(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// A Code Sequence item.
pub(crate) fn code_item(c: &Code) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    put_str(&mut o, tags::CODE_VALUE, VR::SH, &c.value);
    put_str(&mut o, tags::CODING_SCHEME_DESIGNATOR, VR::SH, &c.scheme);
    put_str(&mut o, tags::CODE_MEANING, VR::LO, &c.meaning);
    o
}

/// A Referenced SOP Sequence item.
pub(crate) fn image_item(r: &ImageRef) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    put_str(
        &mut o,
        tags::REFERENCED_SOP_CLASS_UID,
        VR::UI,
        &r.sop_class_uid,
    );
    put_str(
        &mut o,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        &r.sop_instance_uid,
    );
    if let Some(f) = r.frame_number {
        put_str(
            &mut o,
            tags::REFERENCED_FRAME_NUMBER,
            VR::IS,
            &f.to_string(),
        );
    }
    o
}

fn content_err(at: &str, tag: Tag, reason: impl Into<String>) -> SrError {
    SrError::Content {
        at: at.to_string(),
        tag: tag_name(tag),
        reason: reason.into(),
    }
}

/// The trimmed text of an element, when present and not empty.
pub(crate) fn opt_str(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.get(tag)?;
    let s = e.to_str().ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!s.is_empty()).then(|| s.to_string())
}

fn req_str(obj: &InMemDicomObject, tag: Tag, at: &str) -> Result<String, SrError> {
    opt_str(obj, tag).ok_or_else(|| content_err(at, tag, "missing or empty"))
}

/// The first item of a sequence.
pub(crate) fn first_item(obj: &InMemDicomObject, tag: Tag) -> Option<&InMemDicomObject> {
    obj.get(tag)?.items()?.first()
}

fn read_code(item: &InMemDicomObject, at: &str, seq: Tag) -> Result<Code, SrError> {
    let field = |tag| {
        opt_str(item, tag)
            .ok_or_else(|| content_err(at, seq, format!("its item has no {}", tag_name(tag))))
    };
    Ok(Code {
        value: field(tags::CODE_VALUE)?,
        scheme: field(tags::CODING_SCHEME_DESIGNATOR)?,
        meaning: opt_str(item, tags::CODE_MEANING).unwrap_or_default(),
    })
}

fn read_num(obj: &InMemDicomObject, at: &str) -> Result<Value, SrError> {
    let mv = first_item(obj, tags::MEASURED_VALUE_SEQUENCE).ok_or_else(|| {
        content_err(
            at,
            tags::MEASURED_VALUE_SEQUENCE,
            "a NUM item without its value",
        )
    })?;
    let unit_item = first_item(mv, tags::MEASUREMENT_UNITS_CODE_SEQUENCE).ok_or_else(|| {
        content_err(
            at,
            tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
            "a NUM item without its unit",
        )
    })?;
    let unit = read_code(unit_item, at, tags::MEASUREMENT_UNITS_CODE_SEQUENCE)?;
    // The exact FD when there is one, else the DS.
    let exact = mv
        .get(tags::FLOATING_POINT_VALUE)
        .and_then(|e| e.to_float64().ok());
    let value = match exact {
        Some(v) => v,
        None => req_str(mv, tags::NUMERIC_VALUE, at)?
            .parse::<f64>()
            .map_err(|e| content_err(at, tags::NUMERIC_VALUE, format!("not a number: {e}")))?,
    };
    if !value.is_finite() {
        return Err(content_err(
            at,
            tags::FLOATING_POINT_VALUE,
            "not a finite number",
        ));
    }
    Ok(Value::Num { value, unit })
}

fn read_image(obj: &InMemDicomObject, at: &str) -> Result<ImageRef, SrError> {
    let item = first_item(obj, tags::REFERENCED_SOP_SEQUENCE).ok_or_else(|| {
        content_err(
            at,
            tags::REFERENCED_SOP_SEQUENCE,
            "an IMAGE item without its reference",
        )
    })?;
    let frame_number = match opt_str(item, tags::REFERENCED_FRAME_NUMBER) {
        None => None,
        Some(s) => Some(
            s.split('\\')
                .next()
                .and_then(|f| f.trim().parse::<u32>().ok())
                .filter(|f| *f >= 1)
                .ok_or_else(|| {
                    content_err(
                        at,
                        tags::REFERENCED_FRAME_NUMBER,
                        format!("{s:?} is not a frame number"),
                    )
                })?,
        ),
    };
    Ok(ImageRef {
        sop_class_uid: req_str(item, tags::REFERENCED_SOP_CLASS_UID, at)?,
        sop_instance_uid: req_str(item, tags::REFERENCED_SOP_INSTANCE_UID, at)?,
        frame_number,
    })
}

fn read_scoord(obj: &InMemDicomObject, at: &str) -> Result<Value, SrError> {
    let graphic_type = match req_str(obj, tags::GRAPHIC_TYPE, at)?.as_str() {
        "ELLIPSE" => GraphicType::Ellipse,
        "POLYLINE" => GraphicType::Polyline,
        other => {
            return Err(content_err(
                at,
                tags::GRAPHIC_TYPE,
                format!("graphic type {other:?} is not one Anchorage writes"),
            ));
        }
    };
    let data = obj
        .get(tags::GRAPHIC_DATA)
        .and_then(|e| e.to_multi_float32().ok())
        .ok_or_else(|| content_err(at, tags::GRAPHIC_DATA, "missing or not numbers"))?;
    if data.len() % 2 != 0 || data.is_empty() {
        return Err(content_err(
            at,
            tags::GRAPHIC_DATA,
            format!("{} values are not column/row pairs", data.len()),
        ));
    }
    Ok(Value::Scoord {
        graphic_type,
        points: data
            .chunks_exact(2)
            .filter_map(|p| match p {
                [c, r] => Some([*c, *r]),
                _ => None,
            })
            .collect(),
    })
}
