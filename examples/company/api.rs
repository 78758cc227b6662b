//! The endpoints: routing, JSON in and out, and each operation through
//! orm's public API. Handlers stay thin: parse, call orm, render.

use std::str::FromStr;

use orm::prelude::*;
use orm::{Pool, RetryPolicy};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::models::{
    Customer, Customers, Order, OrderProduct, OrderProducts, OrderScope, Orders, Product, Products,
};

/// What goes back to the client.
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// `application/json` (else `text/plain`).
    pub json: bool,
}

impl Reply {
    fn json(value: &Value) -> Reply {
        Reply {
            status: 200,
            body: value.to_string(),
            json: true,
        }
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply {
            status,
            body: json!({ "error": message }).to_string(),
            json: true,
        }
    }
}

/// Why a request failed, and its status.
enum ApiError {
    /// 400: malformed JSON, a missing field, a value that does not fit.
    BadRequest(String),
    /// 404: no such route or record.
    NotFound(String),
    /// 405.
    Method,
    /// 409: a duplicate name, a record still referred to.
    Conflict(String),
    /// 500.
    Internal(String),
}

impl From<orm::Error> for ApiError {
    fn from(e: orm::Error) -> Self {
        match e {
            orm::Error::NotFound { .. } => ApiError::NotFound(e.to_string()),
            orm::Error::UniqueViolation(_) | orm::Error::ForeignKeyViolation(_) => {
                ApiError::Conflict(e.to_string())
            }
            orm::Error::UnrepresentableValue { .. } | orm::Error::CheckViolation(_) => {
                ApiError::BadRequest(e.to_string())
            }
            other => {
                log::error!("{other}");
                ApiError::Internal(other.to_string())
            }
        }
    }
}

type ApiResult = Result<Value, ApiError>;

/// A price or subtotal: a JSON string (`"123.4"`), or a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Money {
    Text(String),
    Number(serde_json::Number),
}

impl Money {
    fn decimal(&self, what: &str) -> Result<Decimal, ApiError> {
        let text = match self {
            Money::Text(t) => t.trim().to_owned(),
            Money::Number(n) => n.to_string(),
        };
        Decimal::from_str(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map_err(|_| ApiError::BadRequest(format!("{what} {text:?} is not a decimal number")))
    }
}

#[derive(Deserialize)]
struct CustomerIn {
    name: String,
}

#[derive(Deserialize)]
struct ProductIn {
    name: String,
    price: Money,
}

/// A reference to a record by id (`{"id": 1, "name": null}`: the other
/// fields are ignored).
#[derive(Deserialize)]
struct Ref {
    id: i64,
}

#[derive(Deserialize)]
struct OrderIn {
    subtotal: Money,
    customer: Ref,
    #[serde(default)]
    products: Vec<Ref>,
}

fn parse<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError::BadRequest(format!("bad JSON: {e}")))
}

/// Money as the contract shows it: two places (`123.40`).
fn money(d: Decimal) -> String {
    format!("{d:.2}")
}

fn customer_json(c: &Customer) -> Value {
    json!({ "id": c.id, "name": c.name })
}

fn product_json(p: &Product) -> Value {
    json!({ "id": p.id, "name": p.name, "price": money(p.price) })
}

fn order_json(o: &Order) -> Value {
    let customer = match o.customer.get() {
        Some(Some(c)) => customer_json(c),
        _ => Value::Null,
    };
    let products: Vec<Value> = o
        .products
        .get()
        .unwrap_or_default()
        .iter()
        .map(product_json)
        .collect();
    json!({
        "id": o.id,
        "subtotal": money(o.subtotal),
        "customer": customer,
        "products": products,
    })
}

/// Orders with their customer and products loaded (one query each).
fn orders_scope() -> OrderScope {
    Orders::all()
        .include(Orders::CUSTOMER)
        .include(Orders::PRODUCTS)
        .order("id")
}

fn one_order(conn: &Connection, id: i64) -> ApiResult {
    let found = orders_scope()
        .filter(Orders::ID.eq(id))
        .first(conn)?
        .ok_or_else(|| ApiError::NotFound(format!("no order {id}")))?;
    Ok(order_json(&found))
}

/// Writes `order` and its products (replacing any it had) in the
/// transaction `tx`, after checking that its customer and products exist.
fn write_order(tx: &Connection, order: &mut Order, products: &[i64]) -> orm::Result<()> {
    Customers::find(tx, order.customer_id)?;
    for &id in products {
        Products::find(tx, id)?;
    }
    order.save(tx)?;
    OrderProducts::filter(OrderProducts::ORDER_ID.eq(order.id)).delete(tx)?;
    let rows: Vec<OrderProduct> = products
        .iter()
        .map(|&product_id| OrderProduct {
            order_id: order.id,
            product_id,
            ..OrderProduct::default()
        })
        .collect();
    if !rows.is_empty() {
        OrderProducts::insert_all(tx, &rows)?;
    }
    Ok(())
}

/// An order from its JSON, written in one retrying transaction (retried on
/// serialization failures, so that concurrent orders never half-apply).
fn save_order(conn: &Connection, id: i64, body: &str) -> ApiResult {
    let input: OrderIn = parse(body)?;
    let subtotal = input.subtotal.decimal("subtotal")?;
    let products: Vec<i64> = input.products.iter().map(|p| p.id).collect();
    let id = conn.retry_transaction(&RetryPolicy::default(), |tx| {
        let mut order = if id == 0 {
            Order::default()
        } else {
            Orders::find(tx, id)?
        };
        order.customer_id = input.customer.id;
        order.subtotal = subtotal;
        write_order(tx, &mut order, &products)?;
        Ok(order.id)
    })?;
    one_order(conn, id)
}

fn save_customer(conn: &Connection, id: i64, body: &str) -> ApiResult {
    let input: CustomerIn = parse(body)?;
    let mut c = if id == 0 {
        Customer::default()
    } else {
        Customers::find(conn, id)?
    };
    c.name = input.name;
    c.save(conn)?;
    Ok(customer_json(&c))
}

fn save_product(conn: &Connection, id: i64, body: &str) -> ApiResult {
    let input: ProductIn = parse(body)?;
    let price = input.price.decimal("price")?;
    let mut p = if id == 0 {
        Product::default()
    } else {
        Products::find(conn, id)?
    };
    p.name = input.name;
    p.price = price;
    p.save(conn)?;
    Ok(product_json(&p))
}

/// The id of `/kind/<id>`.
fn id_of(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|&id| id > 0)
        .ok_or_else(|| ApiError::NotFound(format!("no record {text:?}")))
}

/// Deletes the record with key `id` (found by `find`) in a transaction,
/// returning it.
fn delete<M: Record>(
    conn: &Connection,
    id: i64,
    find: fn(&Connection, i64) -> orm::Result<M>,
    json: fn(&M) -> Value,
) -> ApiResult {
    let record = conn.transaction(|tx| {
        let mut record = find(tx, id)?;
        record.delete(tx)?;
        Ok(record)
    })?;
    Ok(json(&record))
}

/// Answers one request.
pub fn handle(pool: &Pool, method: &str, url: &str, body: &str) -> Reply {
    let path = url.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let ("GET", ["ping"]) = (method, parts.as_slice()) {
        return Reply {
            status: 200,
            body: "rust/orm".into(),
            json: false,
        };
    }
    let result = pool
        .get()
        .map_err(ApiError::from)
        .and_then(|conn| route(&conn, method, &parts, body));
    match result {
        Ok(value) => Reply::json(&value),
        Err(ApiError::BadRequest(m)) => Reply::error(400, &m),
        Err(ApiError::NotFound(m)) => Reply::error(404, &m),
        Err(ApiError::Method) => Reply::error(405, "method not allowed"),
        Err(ApiError::Conflict(m)) => Reply::error(409, &m),
        Err(ApiError::Internal(m)) => Reply::error(500, &m),
    }
}

fn route(conn: &Connection, method: &str, parts: &[&str], body: &str) -> ApiResult {
    match (parts, method) {
        (["customer"], "GET") => Ok(Customers::all()
            .order("id")
            .all(conn)?
            .iter()
            .map(customer_json)
            .collect()),
        (["customer"], "POST") => save_customer(conn, 0, body),
        (["customer", id], "GET") => Ok(customer_json(&Customers::find(conn, id_of(id)?)?)),
        (["customer", id], "PUT") => save_customer(conn, id_of(id)?, body),
        (["customer", id], "DELETE") => delete(conn, id_of(id)?, Customers::find, customer_json),
        (["product"], "GET") => Ok(Products::all()
            .order("id")
            .all(conn)?
            .iter()
            .map(product_json)
            .collect()),
        (["product"], "POST") => save_product(conn, 0, body),
        (["product", id], "GET") => Ok(product_json(&Products::find(conn, id_of(id)?)?)),
        (["product", id], "PUT") => save_product(conn, id_of(id)?, body),
        (["product", id], "DELETE") => delete(conn, id_of(id)?, Products::find, product_json),
        (["order"], "GET") => Ok(orders_scope().all(conn)?.iter().map(order_json).collect()),
        (["order"], "POST") => save_order(conn, 0, body),
        (["order", id], "GET") => one_order(conn, id_of(id)?),
        (["order", id], "PUT") => save_order(conn, id_of(id)?, body),
        // Its products are loaded to answer with it; its order_products
        // rows go with it (ON DELETE CASCADE).
        (["order", id], "DELETE") => delete(
            conn,
            id_of(id)?,
            |c, id| {
                orders_scope()
                    .filter(Orders::ID.eq(id))
                    .first(c)?
                    .ok_or_else(|| orm::Error::NotFound {
                        table: "orders".into(),
                    })
            },
            order_json,
        ),
        (["customer" | "product" | "order"] | ["customer" | "product" | "order", _], _) => {
            Err(ApiError::Method)
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}
