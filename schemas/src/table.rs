//! Definition of one versioned table: columns with type, nullability and a one-line doc each.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: &'static str,
    pub data_type: DataType,
    pub nullable: bool,
    pub doc: &'static str,
}

impl Column {
    pub fn required(name: &'static str, data_type: DataType, doc: &'static str) -> Self {
        Column { name, data_type, nullable: false, doc }
    }

    pub fn optional(name: &'static str, data_type: DataType, doc: &'static str) -> Self {
        Column { name, data_type, nullable: true, doc }
    }

    fn field(&self) -> Field {
        Field::new(self.name, self.data_type.clone(), self.nullable)
    }
}

/// A table: its name, schema version, columns, and physical layout.
///
/// Partition columns are hive-style directory keys (`grant_year=2001/`): they are not stored inside the
/// Parquet files and always come last in [`TableDef::arrow_schema`], which is the order DataFusion's
/// listing tables expose them in.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub name: &'static str,
    pub version: u32,
    pub doc: &'static str,
    pub columns: Vec<Column>,
    pub partition_by: Vec<&'static str>,
    /// Sort order of rows inside each file.
    pub sort_by: Vec<&'static str>,
}

impl TableDef {
    /// The logical schema: every column, partition columns included.
    pub fn arrow_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(self.columns.iter().map(Column::field).collect::<Vec<_>>()))
    }

    /// The schema of the Parquet files themselves: partition columns left out.
    pub fn file_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns.iter().filter(|c| !self.partition_by.contains(&c.name)).map(Column::field).collect::<Vec<_>>(),
        ))
    }

    pub fn partition_columns(&self) -> Vec<(&'static str, DataType)> {
        self.partition_by
            .iter()
            .map(|p| {
                let col = self.column(p).expect("partition column is declared among the columns");
                (col.name, col.data_type.clone())
            })
            .collect()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}
