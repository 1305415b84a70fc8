# Gate a Windows image build on bootready, with the PowerShell provisioner: upload the exe,
# check the VM just before it is captured, fail the build when the image will not bootstrap,
# and keep the reports.
#
#   packaging/build                                  # makes dist/bootready.exe
#   packer init packaging/packer/windows.pkr.hcl
#   packer build -var cloud=aws packaging/packer/windows.pkr.hcl
#
# Leaves reports/<source>/bootready.xml (JUnit) and, when it passes, bootready.json.

packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "cloud" {
  type        = string
  default     = "aws"
  description = "The cloud the image will be launched on (bootready check --cloud)."
}

variable "enforce" {
  type        = bool
  default     = true
  description = "true: a not-ready image fails the build. false: report only (exit 1 accepted)."
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "bootready_exe" {
  type        = string
  default     = "dist/bootready.exe"
  description = "The Windows exe from packaging/build (path relative to where packer runs)."
}

locals {
  stamp = formatdate("YYYYMMDDhhmmss", timestamp())
}

source "amazon-ebs" "windows2016" {
  region         = var.region
  instance_type  = "t3.medium"
  ami_name       = "windows2016-gated-${local.stamp}"
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_use_ssl  = true
  winrm_insecure = true
  # Turns on WinRM over HTTPS at first boot so that Packer can connect.
  user_data_file = "${path.root}/winrm-userdata.ps1"
  source_ami_filter {
    filters = {
      name                = "Windows_Server-2016-English-Full-Base-*"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["amazon"]
    most_recent = true
  }
}

build {
  sources = ["source.amazon-ebs.windows2016"]

  # ... the provisioners that make the image go here; the gate runs last, on the final state.

  provisioner "file" {
    source      = var.bootready_exe
    destination = "C:/Windows/Temp/bootready.exe"
  }

  # bootready check exits 0 when the image is ready, 1 when it is not (a check failed or could
  # not be evaluated), 2 when it could not do its job (bad arguments, unreadable files, bad
  # --policy). Packer fails the build on any exit code outside valid_exit_codes: [0] gates;
  # [0, 1] only reports. Never accept 2: the image was not checked at all. PowerShell does not
  # stop on a native command's exit code, so the script ends with the gate's own.
  provisioner "powershell" {
    valid_exit_codes = var.enforce ? [0] : [0, 1]
    inline = [
      "& C:/Windows/Temp/bootready.exe check --cloud ${var.cloud} --format json --output C:/Windows/Temp/bootready.json",
      "& C:/Windows/Temp/bootready.exe check --cloud ${var.cloud} --format junit --output C:/Windows/Temp/bootready.xml",
      "exit $LASTEXITCODE",
    ]
  }

  provisioner "file" {
    direction   = "download"
    source      = "C:/Windows/Temp/bootready.xml"
    destination = "reports/${source.name}/bootready.xml"
  }

  provisioner "file" {
    direction   = "download"
    source      = "C:/Windows/Temp/bootready.json"
    destination = "reports/${source.name}/bootready.json"
  }

  # Leave no trace of the check in the captured image.
  provisioner "powershell" {
    inline = ["Remove-Item -Force C:/Windows/Temp/bootready.exe, C:/Windows/Temp/bootready.xml, C:/Windows/Temp/bootready.json"]
  }

  # Runs only when a provisioner failed (the gate, usually): still bring the JUnit report home.
  error-cleanup-provisioner "file" {
    direction   = "download"
    source      = "C:/Windows/Temp/bootready.xml"
    destination = "reports/${source.name}/bootready.xml"
  }
}
